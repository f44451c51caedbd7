/**
 * `vobe connect up` in one function, so a test runs exactly what the command runs: the
 * analytics database and its writer role, the worker logged in as its own principal, and
 * every connector definition of this folder applied and running.
 */
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { kafkaSaslFor } from "../../platform/config/kafka-credentials.ts";
import {
  analyticsDatabase,
  connectRole,
  provisionAnalyticsDatabase,
} from "../../stack/analytics-db.ts";
import { connectPrefix, connectPrincipal } from "../../stack/kafka-acls.ts";
import { stopProcess } from "../../stack/process.ts";
import { ensureStackSecrets } from "../../stack/secrets.ts";
import { connectPaths, connectRestPort, connectWorker } from "../../stack/services/connect.ts";
import { stackUp } from "../../stack/stack.ts";
import { jdbcUrlFor, loadConnectorDefinitions, renderConnector } from "./definitions.ts";
import { type ConnectorStatus, putConnector, waitRunning } from "./rest.ts";

export interface ConnectUpOptions {
  endpoints: Endpoints;
  log?: (line: string) => void;
  /** The worker's service name (pid, log, conf): `connect`; a test's own worker another. */
  name?: string;
  restPort?: number;
  /** Worker group, storage topics' prefix: `analytics-connect`. */
  groupId?: string;
  database?: string;
  /** Tests: prefixed topics, suffixed connector names (connect/kafka-connect/definitions.ts). */
  topicPrefix?: string;
  nameSuffix?: string;
}

export interface ConnectUp {
  url: string;
  database: string;
  connectors: ConnectorStatus[];
  /** Whether this call started the worker (false: it ran already). */
  started: boolean;
}

export const defaultWorker = { name: "connect", groupId: `${connectPrefix}connect` } as const;

export async function connectUp(options: ConnectUpOptions): Promise<ConnectUp> {
  const log = options.log ?? (() => {});
  const { endpoints } = options;
  const name = options.name ?? defaultWorker.name;
  const restPort = options.restPort ?? connectRestPort();
  const database = options.database ?? analyticsDatabase;
  const secrets = ensureStackSecrets({ postgres: [connectRole], kafka: [connectPrincipal] });
  const dbPassword = secrets.postgres[connectRole] as string;
  await provisionAnalyticsDatabase({
    adminUrl: endpoints.databaseUrl,
    database,
    password: dbPassword,
  });
  log(`analytics database "${database}" ready (writer ${connectRole})`);
  // The worker's own principal: the native stack's password, or KAFKA_SASL_* for a cluster elsewhere.
  const sasl = kafkaSaslFor(endpoints.kafkaBrokers, {
    ...process.env,
    KAFKA_SASL_PRINCIPAL: connectPrincipal,
  });
  if (sasl && sasl.mechanism !== "SCRAM-SHA-256") {
    throw new Error(`Kafka Connect logs in with SCRAM-SHA-256, not ${sasl.mechanism}`);
  }
  const worker = connectWorker({
    name,
    restPort,
    groupId: options.groupId ?? defaultWorker.groupId,
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    ...(sasl ? { sasl: { username: sasl.username, password: sasl.password } } : {}),
    secretFiles: { analytics: { password: dbPassword } },
  });
  const started = (await stackUp(log, [worker])).length > 0;
  const url = worker.endpoint;
  const names: string[] = [];
  for (const definition of loadConnectorDefinitions()) {
    const rendered = renderConnector(definition, {
      jdbcUrl: jdbcUrlFor(endpoints.databaseUrl, database),
      username: connectRole,
      passwordRef: `\${file:${connectPaths(name).secret("analytics")}:password}`,
      ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
      ...(options.nameSuffix ? { nameSuffix: options.nameSuffix } : {}),
    });
    const changed = await putConnector(url, rendered.name, rendered.config);
    names.push(rendered.name);
    log(
      `connector ${rendered.name} ${changed ? "applied" : "unchanged"} (${rendered.config.topics} → ${database})`,
    );
  }
  const connectors = await waitRunning(url, names);
  return { url, database, connectors, started };
}

/** Stops a worker this stack started (`connect` unless named); true when one was running. */
export function connectDown(name: string = defaultWorker.name): Promise<boolean> {
  return stopProcess(connectPaths(name).pid, { signal: "SIGTERM" });
}
