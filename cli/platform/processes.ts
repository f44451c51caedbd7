import { offlineModelPort, usesOfflineModel } from "../../guide/config.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { stackConfig, stackPaths } from "../../stack/config.ts";
import { StackError } from "../../stack/errors.ts";
import {
  apiPrincipal,
  apiServicePrincipal,
  processorsPrincipal,
  sinksPrincipal,
} from "../../stack/kafka-acls.ts";
import { isAlive, readPid, spawnDetached, stopProcess, waitUntil } from "../../stack/process.ts";
import { ensureStackSecrets } from "../../stack/secrets.ts";

/** VOBE_JWT_SECRET when set, otherwise the stack's own (made at random on its first start). */
export function jwtSecret(env: NodeJS.ProcessEnv = process.env): string {
  return env.VOBE_JWT_SECRET || ensureStackSecrets().jwtSecret;
}

/** One of the platform's own long-running processes, started by `vobe start`. */
interface PlatformProcess {
  name: string;
  /** The `vobe` command that runs it in the foreground. */
  command: string[];
  /** Who it is to Kafka and Postgres (docs/adr/020-access-control.md). */
  env: NodeJS.ProcessEnv;
  /** Where a person reaches it, printed by `vobe start`. */
  endpoint: string;
  /** Its Prometheus metrics (host:port and path), scraped by the stack's Prometheus. */
  metrics?: { target: string; path: string };
  healthy(): Promise<boolean>;
  startupTimeoutMs: number;
  /** Started only when this says so (default: always). */
  wanted?: () => boolean;
}

const apiPort = Number(process.env.VOBE_API_PORT ?? 8080);
const processorsPort = Number(process.env.VOBE_PROCESSORS_PORT ?? 9464);
const sinksPort = Number(process.env.VOBE_SINKS_PORT ?? 9465);
const guidePort = Number(process.env.VOBE_GUIDE_PORT ?? 9466);
const modelPort = offlineModelPort();
const answers = async (url: string) => (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;

export const platformProcesses: readonly PlatformProcess[] = [
  {
    name: "api",
    command: ["serve", "api"],
    metrics: { target: `127.0.0.1:${apiPort}`, path: "/metrics" },
    // The API only reads views: each database through its own role.
    env: { KAFKA_SASL_PRINCIPAL: apiPrincipal, VOBE_POSTGRES_SERVICE_ROLES: "1" },
    endpoint: `http://127.0.0.1:${apiPort}/api/docs`,
    healthy: () => answers(`http://127.0.0.1:${apiPort}/api/openapi.json`),
    startupTimeoutMs: 120_000,
  },
  {
    name: "processors",
    command: ["serve", "processors"],
    metrics: { target: `127.0.0.1:${processorsPort}`, path: "/metrics" },
    env: { KAFKA_SASL_PRINCIPAL: processorsPrincipal },
    endpoint: `http://127.0.0.1:${processorsPort}/metrics`,
    healthy: () => answers(`http://127.0.0.1:${processorsPort}/health`),
    startupTimeoutMs: 180_000,
  },
  {
    name: "sinks",
    command: ["serve", "sinks"],
    metrics: { target: `127.0.0.1:${sinksPort}`, path: "/metrics" },
    // The sinks own the views' tables (migrations, swaps): they stay the owner role.
    env: { KAFKA_SASL_PRINCIPAL: sinksPrincipal },
    endpoint: `http://127.0.0.1:${sinksPort}/health`,
    healthy: () => answers(`http://127.0.0.1:${sinksPort}/health`),
    startupTimeoutMs: 180_000,
  },
  {
    // No OpenAI endpoint or key configured: the embedded SmolLM2-135M (fetched on the first
    // start, hence the long bound), or the offline demo model if it cannot load (ADR-033).
    name: "model",
    command: ["serve", "model"],
    env: {},
    endpoint: `http://127.0.0.1:${modelPort}/health (the guide's local model; says which answers)`,
    healthy: () => answers(`http://127.0.0.1:${modelPort}/health`),
    startupTimeoutMs: 600_000,
    wanted: () => usesOfflineModel(),
  },
  {
    name: "guide",
    command: ["serve", "guide"],
    metrics: { target: `127.0.0.1:${guidePort}`, path: "/metrics" },
    // The AI guide's reply worker is the chat service's: it writes the chat topics.
    env: { KAFKA_SASL_PRINCIPAL: apiServicePrincipal("chat") },
    endpoint: `http://127.0.0.1:${guidePort}/metrics`,
    healthy: () => answers(`http://127.0.0.1:${guidePort}/health`),
    startupTimeoutMs: 120_000,
  },
];

/**
 * The variables that make a child use these endpoints and start no stack of its own, and
 * sign tokens with the stack's own random secret unless VOBE_JWT_SECRET says otherwise.
 */
function endpointEnv(endpoints: Endpoints): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
    SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
    DATABASE_URL: endpoints.databaseUrl,
    SEARCH_URL: endpoints.searchUrl,
    VOBE_JWT_SECRET: jwtSecret(),
  };
}

/**
 * Who a child is. On the native stack KAFKA_SASL_PRINCIPAL picks its password from the
 * stack's secrets. Where this process logs in explicitly (KAFKA_SASL_USERNAME, as the
 * super user that applied the access rules: VOBE_APPLY_ACCESS=1, docker-compose), the
 * child gets its own principal's SCRAM login instead, and applies nothing itself.
 */
function principalEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const principal = env.KAFKA_SASL_PRINCIPAL;
  if (!principal || !process.env.KAFKA_SASL_USERNAME || process.env.VOBE_APPLY_ACCESS !== "1") {
    return { ...env, VOBE_APPLY_ACCESS: "" };
  }
  return {
    ...env,
    VOBE_APPLY_ACCESS: "",
    KAFKA_SASL_USERNAME: principal,
    KAFKA_SASL_PASSWORD: ensureStackSecrets().kafka[principal] ?? "",
    KAFKA_SASL_MECHANISM: "SCRAM-SHA-256",
  };
}

/** Starts what is not running yet (idempotent) and waits until each answers. */
export async function startPlatform(
  endpoints: Endpoints,
  log: (line: string) => void,
): Promise<string[]> {
  const started: string[] = [];
  for (const p of platformProcesses) {
    if (p.wanted && !p.wanted()) continue;
    const pid = readPid(stackPaths.pid(p.name));
    if (pid === undefined || !isAlive(pid)) {
      log(`${p.name}: starting`);
      spawnDetached({
        command: process.execPath,
        args: ["--import", "tsx", "cli/main.ts", ...p.command],
        cwd: stackConfig.projectRoot,
        env: { ...endpointEnv(endpoints), ...principalEnv(p.env) },
        logFile: stackPaths.log(p.name),
        pidFile: stackPaths.pid(p.name),
      });
      started.push(p.name);
    }
    await waitUntil(p.healthy, {
      service: p.name,
      timeoutMs: p.startupTimeoutMs,
      logFile: stackPaths.log(p.name),
      pidFile: stackPaths.pid(p.name),
    }).catch((error: unknown) => {
      throw error instanceof StackError ? error : new StackError(String(error));
    });
    log(`${p.name}: healthy at ${p.endpoint}`);
  }
  return started;
}

export async function stopPlatform(log: (line: string) => void): Promise<void> {
  for (const p of [...platformProcesses].reverse()) {
    if (await stopProcess(stackPaths.pid(p.name), { graceMs: 15_000 })) log(`${p.name}: stopped`);
  }
}
