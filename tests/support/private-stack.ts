/**
 * A test's own PostgreSQL, search engine, Kafka or registry, beside the shared stack: the same `vobe stack`
 * CLI in a child process, with a temporary VOBE_STACK_HOME and ports of its own, so the
 * test can really stop and start the server while the shared one (used by every other
 * test in parallel) stays up. Downloads are shared through VOBE_STACK_ARTIFACTS.
 *
 *   const stack = await privateStack({ postgres: await freePort() });
 *   await stack.up("postgres"); … await stack.down("postgres"); … await stack.destroy();
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { addStackHome, removeStackHome } from "../../platform/config/kafka-credentials.ts";
import { kafkaNodePortStep, stackConfig, stackPaths } from "../../stack/config.ts";
import { registryCcompatPath } from "../../stack/services/registry.ts";

const root = resolve(import.meta.dirname, "../..");

export type PrivateService = "postgres" | "search" | "kafka" | "registry";

export interface PrivateStack {
  readonly home: string;
  readonly ports: Readonly<Partial<Record<PrivateService, number>>>;
  /** `postgres://…/postgres` on the private server. */
  readonly postgresUrl: string;
  readonly searchUrl: string;
  /** `127.0.0.1:<port>` of each private broker (one unless `kafkaBrokers` asked for more). */
  readonly kafkaBrokers: string[];
  /** The private brokers' pid files, node 1 first (`kafka`, `kafka-2`, …). */
  readonly kafkaPidFiles: string[];
  /** The private registry's Confluent-compatible API (its storage is the private broker). */
  readonly registryUrl: string;
  /** `vobe stack up <services>` with the private env; resolves once they are healthy. */
  up(...services: PrivateService[]): Promise<string>;
  /** `vobe stack down <services>`: a real server shutdown. */
  down(...services: PrivateService[]): Promise<string>;
  /** Stops every private service (even if the CLI fails) and removes the home. */
  destroy(): Promise<void>;
}

/** A TCP port nothing listens on now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolvePromise(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once("error", () => resolvePromise(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolvePromise(true)));
  });
}

/**
 * An HTTP port for a private search engine. The runner refuses ports above 9299 (its
 * maxHttpPort, not configurable) and moves to the next port when the given one answers,
 * so: a free port in 9220-9299, away from the shared 9200, with its neighbour free too.
 */
export async function freeSearchPort(): Promise<number> {
  const candidates = Array.from({ length: 9298 - 9220 }, (_, i) => 9220 + i);
  candidates.sort(() => Math.random() - 0.5);
  for (const port of candidates) {
    if (port === stackConfig.ports.search) continue;
    if ((await bindable(port)) && (await bindable(port + 1))) return port;
  }
  throw new Error("no free port for a private search engine in 9220-9299");
}

const envName: Record<PrivateService, string> = {
  postgres: "VOBE_POSTGRES_PORT",
  search: "VOBE_SEARCH_PORT",
  kafka: "VOBE_KAFKA_PORT",
  registry: "VOBE_REGISTRY_PORT",
};

/**
 * A client port for node 1 of a private cluster of `count` brokers: it and the ports the
 * other nodes take above it (stack/config.ts kafkaNodes) are free, away from the shared ones.
 */
export async function freeKafkaPort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    const top = port + (count - 1) * kafkaNodePortStep;
    if (top > 65535) continue;
    const others = Array.from({ length: count - 1 }, (_, i) => port + (i + 1) * kafkaNodePortStep);
    if (others.includes(stackConfig.ports.kafka)) continue;
    if ((await Promise.all(others.map(bindable))).every(Boolean)) return port;
  }
  throw new Error(`no free ports for a private cluster of ${count} brokers`);
}

/** Every live private stack of this process: killed on exit if a test did not get to. */
const live = new Set<string>();
process.once("exit", () => {
  for (const home of live) killFromPidFiles(home);
});

function killFromPidFiles(home: string): void {
  for (const service of ["registry", "search", "postgres", "kafka", "kafka-2", "kafka-3"]) {
    const file = join(home, "run", `${service}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    // The stack starts each service detached: its pid leads its own process group.
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

export async function privateStack(
  ports: Partial<Record<PrivateService, number>>,
  options: {
    /** A KRaft cluster of this many brokers (ports from freeKafkaPort(n)); 1 by default. */
    kafkaBrokers?: number;
  } = {},
): Promise<PrivateStack> {
  const brokerCount = options.kafkaBrokers ?? 1;
  const shared: Record<PrivateService, number> = {
    postgres: stackConfig.ports.postgres,
    search: stackConfig.ports.search,
    kafka: stackConfig.ports.kafka,
    registry: stackConfig.ports.registry,
  };
  for (const [service, port] of Object.entries(ports) as [PrivateService, number][]) {
    // A private stack on the shared ports would act on the shared servers.
    if (port === shared[service]) throw new Error(`${service}: ${port} is the shared stack's port`);
  }
  const home = mkdtempSync(join(tmpdir(), "vobe-private-stack-"));
  live.add(home);
  // This process's clients find the private broker's SASL credentials in its home.
  addStackHome(home);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VOBE_STACK_HOME: home,
    VOBE_STACK_ARTIFACTS: stackPaths.artifacts,
  };
  for (const [service, port] of Object.entries(ports) as [PrivateService, number][]) {
    env[envName[service]] = String(port);
  }
  // The KRaft controller listens too; on the shared 9093 it would clash with the shared broker.
  if (ports.kafka !== undefined) {
    env.VOBE_KAFKA_CONTROLLER_PORT = String(await freeKafkaPort(brokerCount));
    env.VOBE_KAFKA_BROKERS = String(brokerCount);
  }
  const nodes = Array.from({ length: brokerCount }, (_, i) => ({
    name: i === 0 ? "kafka" : `kafka-${i + 1}`,
    port: (ports.kafka ?? 0) + i * kafkaNodePortStep,
  }));
  const { user, password } = stackConfig.postgres;

  const cli = (args: string[], timeoutMs: number): Promise<string> =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr.on("data", (chunk) => {
        output += chunk;
      });
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(
          new Error(`vobe ${args.join(" ")} (private stack) took over ${timeoutMs} ms:\n${output}`),
        );
      }, timeoutMs);
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolvePromise(output);
        else reject(new Error(`vobe ${args.join(" ")} (private stack) exited ${code}:\n${output}`));
      });
    });

  const named = (services: PrivateService[]) => {
    for (const s of services) {
      if (ports[s] === undefined) throw new Error(`${s} has no private port in this stack`);
    }
    return services;
  };

  return {
    home,
    ports,
    postgresUrl: `postgres://${user}:${password}@127.0.0.1:${ports.postgres}/postgres`,
    searchUrl: `http://127.0.0.1:${ports.search}`,
    kafkaBrokers: nodes.map((n) => `127.0.0.1:${n.port}`),
    kafkaPidFiles: nodes.map((n) => join(home, "run", `${n.name}.pid`)),
    registryUrl: `http://127.0.0.1:${ports.registry}${registryCcompatPath}`,
    // A cluster's three JVMs start together on two shared cores: more time.
    up: (...services) =>
      cli(["stack", "up", ...named(services)], brokerCount > 1 ? 360_000 : 180_000),
    down: (...services) => cli(["stack", "down", ...named(services)], 60_000),
    async destroy() {
      const services = Object.keys(ports) as PrivateService[];
      try {
        if (services.length > 0) await cli(["stack", "down", ...services], 60_000);
      } catch (error) {
        console.error(`private stack ${home}: ${(error as Error).message}; killing its servers`);
        killFromPidFiles(home);
      }
      live.delete(home);
      removeStackHome(home);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
