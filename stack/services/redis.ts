import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { stackConfig, stackPaths } from "../config.ts";
import { StackError } from "../errors.ts";
import { ensureDebianPackages, which } from "../host.ts";
import { spawnDetached } from "../process.ts";
import type { NativeService } from "../service.ts";

const NAME = "redis";

/** Where the native stack's Redis answers; VOBE_REDIS_PORT (default 6379). */
export const redisPort = (): number => stackConfig.ports.redis;

/** Debian's redis-server, installed when root. */
export async function findRedisServer(): Promise<string> {
  if (!which("redis-server")) {
    await ensureDebianPackages(["redis-server"], "Redis (the gateways' shared rate limits)");
  }
  const binary = which("redis-server");
  if (!binary) throw new StackError("redis-server is still not on PATH after installing it");
  return binary;
}

/**
 * The arguments of a Redis on 127.0.0.1:port keeping nothing on disk: what it holds
 * (rate-limit windows of a minute) is worth less than a slower start after a crash.
 */
export function redisArgs(port: number, dir: string): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "yes",
    "--maxmemory",
    "256mb",
    // Counters expire by themselves; past the memory bound the oldest-expiring go first.
    "--maxmemory-policy",
    "volatile-ttl",
  ];
}

/** True when a Redis answers PING on 127.0.0.1:port within a second. */
export function redisAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

let binary = "";

/** Redis 7 from Debian: rate limits shared by every gateway instance (docs/adr/032-scaling-out.md). */
export const redisService: NativeService = {
  name: NAME,
  ports: [stackConfig.ports.redis],
  dependsOn: [],
  startupTimeoutMs: 30_000,
  stopSignal: "SIGTERM",
  endpoint: `redis://127.0.0.1:${stackConfig.ports.redis}`,

  async prepare() {
    binary = await findRedisServer();
  },

  async start() {
    mkdirSync(stackPaths.data(NAME), { recursive: true });
    spawnDetached({
      command: binary,
      args: redisArgs(stackConfig.ports.redis, stackPaths.data(NAME)),
      logFile: stackPaths.log(NAME),
      pidFile: stackPaths.pid(NAME),
    });
  },

  healthy: () => redisAnswers(stackConfig.ports.redis),
};
