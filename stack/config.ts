import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const projectRoot = resolve(fileURLToPath(new URL("..", import.meta.url)));

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a TCP port (1-65535)`);
  }
  return value;
}

/** The ports the native stack binds unless VOBE_*_PORT says otherwise (docker-compose publishes these). */
export const defaultPorts = {
  kafka: 9092,
  kafkaController: 9093,
  registry: 8081,
  postgres: 5432,
  search: 9200,
  redis: 6379,
  prometheus: 9090,
} as const;

/** Where the native stack keeps its state, and the ports it binds (all on 127.0.0.1). */
export const stackConfig = {
  projectRoot,
  home: resolve(process.env.VOBE_STACK_HOME ?? resolve(projectRoot, ".stack")),
  ports: {
    kafka: port("VOBE_KAFKA_PORT", defaultPorts.kafka),
    kafkaController: port("VOBE_KAFKA_CONTROLLER_PORT", defaultPorts.kafkaController),
    registry: port("VOBE_REGISTRY_PORT", defaultPorts.registry),
    postgres: port("VOBE_POSTGRES_PORT", defaultPorts.postgres),
    search: port("VOBE_SEARCH_PORT", defaultPorts.search),
    redis: port("VOBE_REDIS_PORT", defaultPorts.redis),
    prometheus: port("VOBE_PROMETHEUS_PORT", defaultPorts.prometheus),
  },
  postgres: { user: "vobe", password: "vobe" },
  /** One database per service that owns a Postgres view (DESIGN.md). */
  serviceDatabases: ["auth", "artist", "content", "comment", "feedback", "listening", "chat"],
  /** kafkaClusterNode: each broker of a several-broker cluster (2 cores, shared). */
  heap: { kafka: "1g", kafkaClusterNode: "384m", registry: "512m", search: "1g" },
} as const;

export type StackConfig = typeof stackConfig;

/** One KRaft node of the native cluster: broker and controller in one process. */
export interface KafkaNode {
  /** node.id, 1..n. */
  readonly id: number;
  /** "kafka" for node 1 (the one-broker stack's name, paths and pid), "kafka-<id>" after it. */
  readonly name: string;
  readonly port: number;
  readonly controllerPort: number;
}

/** Node i listens 100 ports above node i-1 (9092, 9192, 9292; controllers 9093, 9193, 9293). */
export const kafkaNodePortStep = 100;
const maxKafkaBrokers = 5;

/** Where a stack records how many brokers its Kafka storage was formatted for. */
const recordedBrokersFile = () => resolve(stackConfig.home, "conf", "kafka", "brokers");

/** The broker count the stack's storage was formatted for, if it was. */
export function recordedKafkaBrokers(): number | undefined {
  try {
    const value = Number(readFileSync(recordedBrokersFile(), "utf8").trim());
    return Number.isInteger(value) && value >= 1 ? value : undefined;
  } catch {
    return undefined;
  }
}

export function recordKafkaBrokers(count: number): void {
  mkdirSync(resolve(stackConfig.home, "conf", "kafka"), { recursive: true });
  writeFileSync(recordedBrokersFile(), `${count}\n`);
}

/**
 * How many Kafka brokers the native stack runs: VOBE_KAFKA_BROKERS (`vobe start --brokers`
 * sets it), else what the stack's storage was formatted for, else 1. Read on every call,
 * not at import: the CLI sets the variable after the modules are loaded.
 */
export function kafkaBrokerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VOBE_KAFKA_BROKERS;
  if (raw === undefined || raw === "") return recordedKafkaBrokers() ?? 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > maxKafkaBrokers) {
    throw new Error(`VOBE_KAFKA_BROKERS=${raw} is not a broker count (1-${maxKafkaBrokers})`);
  }
  return value;
}

/** The cluster's nodes: node 1 on VOBE_KAFKA_PORT/VOBE_KAFKA_CONTROLLER_PORT, the others above. */
export function kafkaNodes(count = kafkaBrokerCount()): KafkaNode[] {
  const { kafka, kafkaController } = stackConfig.ports;
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    name: i === 0 ? "kafka" : `kafka-${i + 1}`,
    port: kafka + i * kafkaNodePortStep,
    controllerPort: kafkaController + i * kafkaNodePortStep,
  }));
}

/**
 * Replication settings that follow the broker count: every partition on up to three
 * brokers, and a write acknowledged once two hold it when there are three (one broker may
 * die without losing or refusing anything). One broker: 1 and 1, or nothing could be written.
 */
export function replicationFor(brokers: number): {
  replicationFactor: number;
  minInsyncReplicas: number;
} {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return { replicationFactor, minInsyncReplicas: Math.max(1, Math.min(2, replicationFactor - 1)) };
}

export const stackPaths = {
  // A second stack (a test's own Postgres or search engine) shares the downloads.
  artifacts: resolve(process.env.VOBE_STACK_ARTIFACTS ?? resolve(stackConfig.home, "artifacts")),
  data: (service: string) => resolve(stackConfig.home, "data", service),
  conf: (service: string) => resolve(stackConfig.home, "conf", service),
  log: (service: string) => resolve(stackConfig.home, "logs", `${service}.log`),
  pid: (service: string) => resolve(stackConfig.home, "run", `${service}.pid`),
  run: resolve(stackConfig.home, "run"),
};
