import { stackConfig, stackPaths } from "./config.ts";
import { StackError } from "./errors.ts";
import { ensureFreeDisk } from "./host.ts";
import { isAlive, portInUse, readPid, stopProcess, waitUntil } from "./process.ts";
import type { NativeService } from "./service.ts";
import { kafkaServices } from "./services/kafka.ts";
import { postgresService } from "./services/postgres.ts";
import { prometheusService } from "./services/prometheus.ts";
import { redisService } from "./services/redis.ts";
import { registryService } from "./services/registry.ts";
import { searchService } from "./services/search.ts";

/**
 * Every service the platform needs, in dependency order: as many Kafka nodes as the stack
 * runs brokers (kafkaBrokerCount), so it is asked again on each use.
 */
export function stackServices(): NativeService[] {
  return [
    postgresService,
    ...kafkaServices(),
    searchService,
    registryService,
    redisService,
    prometheusService,
  ];
}

export type ServiceState = "healthy" | "starting" | "stopped" | "foreign";

export interface ServiceStatus {
  name: string;
  state: ServiceState;
  pid?: number;
  endpoint: string;
  ports: readonly number[];
}

const MIN_FREE_DISK = 2 * 2 ** 30;

type Log = (line: string) => void;

export async function statusOf(service: NativeService): Promise<ServiceStatus> {
  const pid = readPid(stackPaths.pid(service.name));
  const base = { name: service.name, endpoint: service.endpoint, ports: service.ports };
  if (pid !== undefined && isAlive(pid)) {
    const ok = await service.healthy().catch(() => false);
    return { ...base, pid, state: ok ? "healthy" : "starting" };
  }
  for (const port of service.ports) {
    if (await portInUse(port)) return { ...base, state: "foreign" };
  }
  return { ...base, state: "stopped" };
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  return Promise.all(stackServices().map(statusOf));
}

/**
 * Brings every service up, idempotently: running ones are left alone, stopped ones
 * are prepared (artifacts cached) and started as soon as what they depend on is healthy.
 * Returns the names of the services this call started.
 */
export async function stackUp(
  log: Log = () => {},
  only: readonly NativeService[] = stackServices(),
): Promise<string[]> {
  ensureFreeDisk(stackConfig.home, MIN_FREE_DISK);
  const started: string[] = [];
  const ready = new Map<string, Promise<void>>();
  const bringUp = async (service: NativeService): Promise<void> => {
    await Promise.all(service.dependsOn.map((dep) => ready.get(dep)));
    const status = await statusOf(service);
    if (status.state === "foreign") {
      throw new StackError(
        `${service.name}: port ${service.ports.join("/")} is in use by a process this stack did not start`,
        `stop that process, or move ${service.name} with its VOBE_*_PORT variable`,
      );
    }
    if (status.state === "stopped") {
      await service.prepare((line) => log(`${service.name}: ${line}`));
      log(`${service.name}: starting`);
      await service.start();
      started.push(service.name);
    }
    await waitUntil(service.healthy, {
      service: service.name,
      timeoutMs: service.startupTimeoutMs,
      logFile: stackPaths.log(service.name),
      pidFile: stackPaths.pid(service.name),
    });
    await service.provision?.();
    log(`${service.name}: healthy at ${service.endpoint}`);
  };
  for (const service of only) ready.set(service.name, bringUp(service));
  const results = await Promise.allSettled(ready.values());
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failures.length > 0) {
    throw new StackError(failures.map((f) => (f.reason as Error).message).join("\n\n"));
  }
  return started;
}

/** Stops services in reverse dependency order; only `names` when given. */
export async function stackDown(log: Log = () => {}, names?: readonly string[]): Promise<void> {
  const wanted = names ? new Set(names.flatMap((n) => servicesNamed(n).map((s) => s.name))) : null;
  const stop = async (service: NativeService) => {
    const stopped = await stopProcess(stackPaths.pid(service.name), {
      signal: service.stopSignal,
    });
    if (stopped) log(`${service.name}: stopped`);
  };
  const chosen = stackServices()
    .reverse()
    .filter((s) => !wanted || wanted.has(s.name));
  const kafka = chosen.filter(isKafkaNode);
  for (const service of chosen) {
    if (!isKafkaNode(service)) await stop(service);
    // A cluster's nodes together: one stopped after the others finds no quorum, and its
    // controlled shutdown waits for a controller until the grace period ends.
    else if (service === kafka[0]) await Promise.all(kafka.map(stop));
  }
}

const isKafkaNode = (s: NativeService) => s.name === "kafka" || s.name.startsWith("kafka-");

/**
 * The services a name on the command line means: "kafka" is every node of the cluster
 * (node 1 alone has no quorum when there are three), "kafka-2" one node, others themselves.
 */
export function servicesNamed(name: string): NativeService[] {
  const all = stackServices();
  if (name === "kafka") return all.filter(isKafkaNode);
  const found = all.find((s) => s.name === name);
  if (!found) {
    throw new StackError(
      `no service named ${name}`,
      `one of: ${all.map((s) => s.name).join(", ")}`,
    );
  }
  return [found];
}
