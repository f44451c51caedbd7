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
  heap: { kafka: "1g", registry: "512m", search: "1g" },
} as const;

export type StackConfig = typeof stackConfig;

export const stackPaths = {
  // A second stack (a test's own Postgres or search engine) shares the downloads.
  artifacts: resolve(process.env.VOBE_STACK_ARTIFACTS ?? resolve(stackConfig.home, "artifacts")),
  data: (service: string) => resolve(stackConfig.home, "data", service),
  conf: (service: string) => resolve(stackConfig.home, "conf", service),
  log: (service: string) => resolve(stackConfig.home, "logs", `${service}.log`),
  pid: (service: string) => resolve(stackConfig.home, "run", `${service}.pid`),
  run: resolve(stackConfig.home, "run"),
};
