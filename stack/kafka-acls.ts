/**
 * Who may do what on the broker, derived from the topic catalog (schemas/catalog.ts): its
 * owners and readers, plus what the engines need besides the catalog's topics (internal
 * topics, consumer groups and transactional ids, each under a prefix). docs/adr/020.
 *
 * Pure: `vobe stack up` applies the result (stack/services/kafka-security.ts) and tests
 * read it. Test runs use prefixed topics and run as the super user, so nothing here
 * names a test prefix.
 */
import type { Service, TopicEntry } from "../schemas/catalog.ts";

export type ResourceKind = "topic" | "group" | "transactional-id" | "cluster";
export type Operation =
  | "READ"
  | "WRITE"
  | "CREATE"
  | "DELETE"
  | "ALTER"
  | "DESCRIBE"
  | "DESCRIBE_CONFIGS"
  | "ALTER_CONFIGS"
  | "ALL";

export interface AclRule {
  principal: string;
  resource: ResourceKind;
  name: string;
  pattern: "literal" | "prefixed";
  operation: Operation;
}

/** The super user: tools, topic and schema set-up, tests. The broker's own links use it too. */
export const superUser = "admin";
/** The registry's storage (Apicurio kafkasql, stack/services/registry.ts). */
export const registryPrincipal = "registry";
export const registryTopics = [
  "_schemas_journal",
  "_schemas_snapshots",
  "registry-events",
] as const;
export const registryGroupPrefix = "vobe-registry-";
/** Every streams application id, and so its internal topics, groups and transactional ids. */
export const processorsPrefix = "vobe-";
/** The API's transactional ids (`vobe-api-<uuid>`, api/app.ts). */
export const apiTransactionalPrefix = "vobe-api-";
/** Consumer groups analysts may use (`analyst-…`). */
export const analystGroupPrefix = "analyst-";
/**
 * The Kafka Connect worker of the analytics database (docs/adr/035-kafka-connect.md): its
 * group and storage topics are `analytics-…connect…`, its connectors `analytics-…`, so their
 * consumer groups (Connect names them `connect-<connector>`) are `connect-analytics-…`.
 */
export const connectPrincipal = "connect";
export const connectPrefix = "analytics-";
export const connectSinkGroupPrefix = `connect-${connectPrefix}`;

/** The API serves every service in one process today: its principal holds the union. */
export const apiPrincipal = "api";
export const apiServicePrincipal = (service: Service): string => `api-${service}`;
export const processorsPrincipal = "processors";
export const sinksPrincipal = "sinks";
export const analystPrincipal = "analyst";
/** The console's commands to the sinks process, and the audit trail they write (schemas/catalog.ts). */
export const viewCommandsTopic = "ops.view-commands";
const auditTopicName = "ops.audit";

/** The API's services. The operators' tooling ("ops", the audit trail) runs as the super user. */
export const services: readonly Service[] = [
  "auth",
  "artist",
  "content",
  "comment",
  "feedback",
  "listening",
  "chat",
  "search",
];

/** Every principal of a stack, the super user first. */
export const kafkaPrincipals: readonly string[] = [
  superUser,
  registryPrincipal,
  apiPrincipal,
  ...services.map(apiServicePrincipal),
  processorsPrincipal,
  sinksPrincipal,
  analystPrincipal,
  connectPrincipal,
];

const topic = (principal: string, name: string, ...ops: Operation[]): AclRule[] =>
  ops.map((operation) => ({ principal, resource: "topic", name, pattern: "literal", operation }));

const prefixed = (
  principal: string,
  resource: ResourceKind,
  name: string,
  ...ops: Operation[]
): AclRule[] =>
  ops.map((operation) => ({ principal, resource, name, pattern: "prefixed", operation }));

/** Reading a topic: its records, its offsets and metadata, its configs. */
const readOps: Operation[] = ["READ", "DESCRIBE", "DESCRIBE_CONFIGS"];

/** What an API service may do: write the events it owns, read what it is a reader of. */
function apiRules(principal: string, served: readonly Service[], catalog: readonly TopicEntry[]) {
  const rules: AclRule[] = [];
  for (const entry of catalog) {
    const ops = new Set<Operation>();
    // Commands write the system of record; derived topics are the processors' (ADR-018).
    if (served.includes(entry.owner) && !entry.derived) ops.add("WRITE");
    if (entry.readers.some((r) => r !== "analysts" && served.includes(r))) {
      for (const op of readOps) ops.add(op);
    }
    // Read-your-writes compares positions of any topic: offsets, never records.
    ops.add("DESCRIBE");
    rules.push(...topic(principal, entry.name, ...ops));
  }
  rules.push(
    ...prefixed(principal, "transactional-id", apiTransactionalPrefix, "WRITE", "DESCRIBE"),
  );
  // Read-your-writes on a derived view waits for its topology's committed offsets
  // (api/read/, docs/adr/018): describing the processors' groups, never joining them.
  rules.push(...prefixed(principal, "group", processorsPrefix, "DESCRIBE"));
  // Those groups' offsets include their internal topics' (repartition): offsets only.
  rules.push(...prefixed(principal, "topic", processorsPrefix, "DESCRIBE"));
  return rules;
}

export function kafkaAcls(catalog: readonly TopicEntry[], sinkViews: readonly string[]): AclRule[] {
  const rules: AclRule[] = [];
  rules.push(...apiRules(apiPrincipal, services, catalog));
  for (const service of services) {
    rules.push(...apiRules(apiServicePrincipal(service), [service], catalog));
  }

  // Processors: read their inputs, write the derived topics, own everything under their
  // application ids (repartition, changelog and dead-letter topics, groups, transactions).
  const inputs = new Set(catalog.flatMap((e) => e.derivedFrom?.inputs ?? []));
  for (const entry of catalog) {
    const ops = new Set<Operation>();
    if (inputs.has(entry.name)) for (const op of readOps) ops.add(op);
    if (entry.derivedFrom) {
      ops.add("WRITE");
      ops.add("DESCRIBE");
      ops.add("DESCRIBE_CONFIGS");
    }
    if (ops.size > 0) rules.push(...topic(processorsPrincipal, entry.name, ...ops));
  }
  rules.push(...prefixed(processorsPrincipal, "topic", processorsPrefix, "ALL"));
  rules.push(...prefixed(processorsPrincipal, "group", processorsPrefix, "ALL"));
  rules.push(
    ...prefixed(processorsPrincipal, "transactional-id", processorsPrefix, "WRITE", "DESCRIBE"),
  );

  // Sinks: read every topic a view may follow (never a restricted one: no view keeps
  // secrets), write their dead letters (`<view>-dlq`, sinks/engine/sink.ts).
  for (const entry of catalog) {
    if (!entry.restricted) rules.push(...topic(sinksPrincipal, entry.name, ...readOps));
  }
  for (const view of sinkViews) {
    rules.push(...topic(sinksPrincipal, `${view}-dlq`, "CREATE", "WRITE", ...readOps));
  }
  // The console's view commands (docs/adr/029): the gateway posts them, the sinks process
  // (which reads every catalog topic above) runs them and writes their outcome to the audit trail.
  rules.push(...topic(apiPrincipal, viewCommandsTopic, "WRITE", "DESCRIBE"));
  rules.push(...topic(sinksPrincipal, auditTopicName, "WRITE", "DESCRIBE"));

  // Analysts: every topic the catalog lists them as readers of, and never a restricted one.
  for (const entry of catalog) {
    if (entry.readers.includes("analysts") && !entry.restricted) {
      rules.push(...topic(analystPrincipal, entry.name, ...readOps));
    }
  }
  rules.push(...prefixed(analystPrincipal, "group", analystGroupPrefix, "READ", "DESCRIBE"));

  // Connect: reads what analysts may read (it copies it into the analytics database, which
  // only analysts query); owns its worker's group and storage topics and its sinks' groups.
  for (const entry of catalog) {
    if (entry.readers.includes("analysts") && !entry.restricted) {
      rules.push(...topic(connectPrincipal, entry.name, ...readOps));
    }
  }
  rules.push(...prefixed(connectPrincipal, "topic", connectPrefix, "ALL"));
  rules.push(...prefixed(connectPrincipal, "group", connectPrefix, "ALL"));
  rules.push(...prefixed(connectPrincipal, "group", connectSinkGroupPrefix, "ALL"));

  for (const name of registryTopics) {
    rules.push(...topic(registryPrincipal, name, "ALL"));
  }
  rules.push(...prefixed(registryPrincipal, "group", registryGroupPrefix, "ALL"));
  return rules;
}

export function aclKey(rule: AclRule): string {
  return [rule.principal, rule.resource, rule.pattern, rule.name, rule.operation].join("\u0000");
}
