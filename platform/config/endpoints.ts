import { kafkaNodes, stackConfig } from "../../stack/config.ts";

export type SearchEngineKind = "opensearch" | "elasticsearch";

/** Where the platform's backing services are; the same shape for services, tests and tools. */
export interface Endpoints {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** A URL whose database path is replaced per service (see databaseUrlFor). */
  databaseUrl: string;
  searchUrl: string;
  /** Which engine answers at searchUrl; undefined means "ask it" (see detectSearchEngine). */
  searchEngine?: SearchEngineKind;
}

/** The native stack's endpoints (stack/config.ts): the default when no variable says otherwise. */
export function nativeStackEndpoints(): Endpoints {
  const { ports, postgres } = stackConfig;
  return {
    // Every broker of the cluster: a client still finds one when another is down.
    kafkaBrokers: kafkaNodes().map((n) => `127.0.0.1:${n.port}`),
    schemaRegistryUrl: `http://127.0.0.1:${ports.registry}/apis/ccompat/v7`,
    databaseUrl: `postgres://${postgres.user}:${postgres.password}@127.0.0.1:${ports.postgres}/postgres`,
    searchUrl: `http://127.0.0.1:${ports.search}`,
  };
}

export const endpointVariables = [
  "KAFKA_BROKERS",
  "SCHEMA_REGISTRY_URL",
  "DATABASE_URL",
  "SEARCH_URL",
] as const;

/** Endpoints from KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL, SEARCH_URL (and SEARCH_ENGINE). */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const native = nativeStackEndpoints();
  const engine = env.SEARCH_ENGINE;
  if (engine !== undefined && engine !== "opensearch" && engine !== "elasticsearch") {
    throw new Error(`SEARCH_ENGINE=${engine}: expected "opensearch" or "elasticsearch"`);
  }
  const endpoints: Endpoints = {
    kafkaBrokers: env.KAFKA_BROKERS
      ? env.KAFKA_BROKERS.split(",").map((b) => b.trim())
      : native.kafkaBrokers,
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL ?? native.schemaRegistryUrl,
    databaseUrl: env.DATABASE_URL ?? native.databaseUrl,
    searchUrl: env.SEARCH_URL ?? native.searchUrl,
  };
  if (engine) endpoints.searchEngine = engine;
  return endpoints;
}

/** True when every endpoint variable is set, so nothing needs starting. */
export function allEndpointsInEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return endpointVariables.every((name) => Boolean(env[name]));
}

/** The same server and credentials, another database: one database per service. */
export function databaseUrlFor(
  endpoints: Pick<Endpoints, "databaseUrl">,
  database: string,
): string {
  const url = new URL(endpoints.databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
