/**
 * Which topics are the platform's data and which are machinery: the rule every analyst
 * tool (catalog, export, console) filters with. Domain topics are the catalog's
 * (schemas/catalog.ts), written by services or derived by processors; everything else on
 * the broker is recognised by its name's pattern, or is "unknown".
 */
import { catalog, type TopicEntry } from "../../schemas/catalog.ts";
import { processorsPrefix, registryTopics } from "../../stack/kafka-acls.ts";

export type TopicKind =
  /** A catalog topic: events written by a service, or a view of them derived by a processor. */
  | "domain"
  /** A streams application's state store changelog. */
  | "changelog"
  /** A streams application's repartition topic (records re-keyed between two steps). */
  | "repartition"
  /** A foreign-key join's subscription and response topics. */
  | "subscription"
  /** Records a streams application or a sink could not process, kept for an operator. */
  | "dead-letter"
  /** The schema registry's own storage (Apicurio kafkasql). */
  | "registry"
  /** Kafka's own: consumer offsets, transaction state. */
  | "kafka"
  /** A ksqlDB server's command topic and processing log. */
  | "ksqldb"
  /** A Kafka Connect worker's configs, offsets and status. */
  | "connect"
  | "unknown";

export interface TopicPattern {
  kind: Exclude<TopicKind, "domain" | "unknown">;
  /** The pattern as a person reads it. */
  pattern: string;
  test: (name: string) => boolean;
  doc: string;
}

const app = `${processorsPrefix}<app>`;

/** Checked in order: a subscription store's changelog is a changelog, not a subscription. */
export const internalTopicPatterns: readonly TopicPattern[] = [
  {
    kind: "kafka",
    pattern: "__*",
    test: (n) => n.startsWith("__"),
    doc: "Kafka's own topics: `__consumer_offsets` (committed positions of consumer groups), `__transaction_state` (the transaction coordinator's log).",
  },
  {
    kind: "registry",
    pattern: registryTopics.join(", "),
    test: (n) => (registryTopics as readonly string[]).includes(n),
    doc: "The schema registry's storage: every registered schema, compatibility rule and registry event (Apicurio's kafkasql store). Read schemas through the registry's API, never here.",
  },
  {
    kind: "dead-letter",
    pattern: "*-dlq",
    test: (n) => n.endsWith("-dlq"),
    doc: "Dead letters: `<view>-dlq` of a sink, `<application id>-dlq` of a streams application. The failed record's key, value and headers, with where and why it failed in headers (docs/events.md#headers).",
  },
  {
    kind: "changelog",
    pattern: `${app}-<store>-changelog`,
    test: (n) => n.endsWith("-changelog"),
    doc: "A state store's changelog: a streams application restores its state from it after a restart or a move. Compacted; its records are the application's private state, not events.",
  },
  {
    kind: "repartition",
    pattern: `${app}-<step>-repartition`,
    test: (n) => n.endsWith("-repartition"),
    doc: "Records re-keyed between two steps of a topology so that one key's records meet in one partition; deleted once consumed.",
  },
  {
    kind: "subscription",
    pattern: `${app}-<join>-subscription-registration-topic, …-subscription-response-topic`,
    test: (n) =>
      n.endsWith("-subscription-registration-topic") || n.endsWith("-subscription-response-topic"),
    doc: "A foreign-key join's requests and answers between the two sides of the join.",
  },
  {
    kind: "ksqldb",
    pattern: "_confluent-ksql-*, *ksql_processing_log",
    test: (n) => n.startsWith("_confluent-ksql-") || n.endsWith("ksql_processing_log"),
    doc: "A ksqlDB server's command topic and processing log (connect/ksqldb/).",
  },
  {
    kind: "connect",
    pattern: "connect-configs, connect-offsets, connect-status, *-connect-*",
    test: (n) =>
      ["connect-configs", "connect-offsets", "connect-status"].includes(n) ||
      /-connect-(configs|offsets|status)$/.test(n),
    doc: "A Kafka Connect worker's connector configs, source offsets and status.",
  },
];

export interface TopicClass {
  kind: TopicKind;
  /** The catalog entry, for a domain topic. */
  entry?: TopicEntry;
  /** For a domain topic: written by a processor from other topics. */
  derived?: boolean;
}

/**
 * The kind of a topic. `prefix` is a prefixed catalog's (tests): `<prefix>listening.plays`
 * is domain, and so are no others.
 */
export function classifyTopic(
  name: string,
  options: { prefix?: string; entries?: readonly TopicEntry[] } = {},
): TopicClass {
  const prefix = options.prefix ?? "";
  if (name.startsWith(prefix)) {
    const bare = name.slice(prefix.length);
    const entry = (options.entries ?? catalog).find((t) => t.name === bare);
    if (entry) return { kind: "domain", entry, derived: entry.derived };
  }
  const pattern = internalTopicPatterns.find((p) => p.test(name));
  return { kind: pattern?.kind ?? "unknown" };
}

export const isDomainTopic = (name: string, options?: { prefix?: string }): boolean =>
  classifyTopic(name, options).kind === "domain";
