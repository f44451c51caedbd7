/**
 * `vobe topics apply`: makes the broker and the registry match schemas/catalog.ts.
 * Idempotent, and never destructive: missing topics are created, differing topic configs
 * are set, partition counts are only reported, and nothing is ever deleted.
 */
import pLimit from "p-limit";
import { createAdmin, type KafkaAdmin, type TopicSpec } from "../platform/kafka/index.ts";
import {
  type CompatibilityLevel,
  type RegistryApi,
  RegistryHttpError,
  registryApi,
} from "../platform/registry/confluent-api.ts";
import { catalog as defaultCatalog, type TopicEntry, topicConfigs } from "./catalog.ts";
import { subjectOf } from "./event-type.ts";

export interface ApplyOptions {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** The topics to apply; tests pass a prefixed copy (prefixedCatalog). */
  catalog?: readonly TopicEntry[];
  /**
   * Of new topics. Absent: the cluster's default.replication.factor and min.insync.replicas,
   * which the native stack sets by broker count (1 and 1; 3 and 2 with `--brokers 3`).
   */
  replicationFactor?: number;
  log?: (line: string) => void;
}

export interface ApplyReport {
  created: string[];
  /** Existing topics whose configs were set to the catalog's values. */
  updated: Array<{ topic: string; changes: Array<{ name: string; from?: string; to: string }> }>;
  unchanged: string[];
  /** Differences apply will not fix on its own. */
  drift: Array<{ topic: string; problem: string }>;
  registered: Array<{ subject: string; id: number }>;
  alreadyRegistered: Array<{ subject: string; id: number }>;
  compatibilitySet: Array<{
    subject: string;
    from: CompatibilityLevel | null;
    to: CompatibilityLevel;
  }>;
  /** Schemas the registry refused (an incompatible change): the command fails. */
  refused: Array<{ subject: string; message: string }>;
}

export async function applyCatalog(options: ApplyOptions): Promise<ApplyReport> {
  const entries = options.catalog ?? defaultCatalog;
  const replicationFactor = options.replicationFactor;
  const log = options.log ?? (() => {});
  const report: ApplyReport = {
    created: [],
    updated: [],
    unchanged: [],
    drift: [],
    registered: [],
    alreadyRegistered: [],
    compatibilitySet: [],
    refused: [],
  };

  // A few requests at a time: one after another, the 38 topics and 70 subjects took 30-45 s
  // on a loaded 2-core machine (every integration test that applies a prefixed catalog
  // paid it); the broker and the registry handle these concurrently.
  const limit = pLimit(applyConcurrency);
  const admin = createAdmin({ brokers: options.kafkaBrokers, clientId: "vobe-topics-apply" });
  try {
    const existing = new Set(await admin.listTopics());
    // Each task reports into its own slot, so the report keeps the catalog's order.
    const outcomes = await Promise.all(
      entries.map((entry) => limit(() => applyTopic(admin, entry, existing, replicationFactor))),
    );
    for (const outcome of outcomes) {
      if (outcome.created) {
        report.created.push(outcome.topic);
        log(`  created   ${outcome.topic} (${outcome.partitions} partitions)`);
        continue;
      }
      if (outcome.changes.length > 0) {
        report.updated.push({ topic: outcome.topic, changes: outcome.changes });
        log(
          `  updated   ${outcome.topic}: ${outcome.changes.map((c) => `${c.name} ${c.from ?? "(unset)"} → ${c.to}`).join(", ")}`,
        );
      } else {
        report.unchanged.push(outcome.topic);
      }
      if (outcome.drift) {
        report.drift.push({ topic: outcome.topic, problem: outcome.drift });
        log(`  drift     ${outcome.topic} ${outcome.drift}`);
      }
    }
  } finally {
    await admin.close();
  }

  const registry = registryApi(options.schemaRegistryUrl);
  const subjects = entries.flatMap((entry) =>
    entry.events.map((event) => ({
      subject: subjectOf(event),
      schema: JSON.stringify(event.schema),
      compatibility: entry.compatibility,
    })),
  );
  const registrations = await Promise.all(
    subjects.map((s) => limit(() => applySubject(registry, s.subject, s.schema, s.compatibility))),
  );
  for (const [i, outcome] of registrations.entries()) {
    const subject = subjects[i]?.subject ?? "";
    if (outcome.compatibilityFrom !== undefined) {
      report.compatibilitySet.push({
        subject,
        from: outcome.compatibilityFrom,
        to: subjects[i]?.compatibility as CompatibilityLevel,
      });
    }
    if (outcome.kind === "known") report.alreadyRegistered.push({ subject, id: outcome.id });
    else if (outcome.kind === "registered") {
      report.registered.push({ subject, id: outcome.id });
      log(`  registered ${subject} (id ${outcome.id})`);
    } else {
      report.refused.push({ subject, message: outcome.message });
      log(`  REFUSED   ${subject}: ${outcome.message} (run \`vobe schemas check\` for why)`);
    }
  }
  return report;
}

export function summary(report: ApplyReport): string {
  return [
    `topics: ${report.created.length} created, ${report.updated.length} updated, ${report.unchanged.length} unchanged, ${report.drift.length} differing (not changed)`,
    `schemas: ${report.registered.length} registered, ${report.alreadyRegistered.length} already registered, ${report.refused.length} refused; compatibility set on ${report.compatibilitySet.length} subjects`,
  ].join("\n");
}

const applyConcurrency = 8;

type TopicOutcome = {
  topic: string;
  partitions: number;
  created: boolean;
  changes: Array<{ name: string; from?: string; to: string }>;
  drift?: string;
};

/**
 * A topic to create. Without an explicit replication factor the broker's defaults apply
 * (default.replication.factor, min.insync.replicas: the native stack sets them by broker
 * count): the cluster knows how many brokers it has, a client counting those it sees may
 * be told fewer (one just starting, or one down).
 */
function newTopic(entry: TopicEntry, replicationFactor: number | undefined): TopicSpec {
  const config = topicConfigs(entry, replicationFactor ?? 1);
  if (replicationFactor === undefined) {
    delete config["min.insync.replicas"];
    return { name: entry.name, partitions: entry.partitions, config };
  }
  return { name: entry.name, partitions: entry.partitions, replicationFactor, config };
}

async function applyTopic(
  admin: KafkaAdmin,
  entry: TopicEntry,
  existing: ReadonlySet<string>,
  replicationFactor: number | undefined,
): Promise<TopicOutcome> {
  const outcome: TopicOutcome = {
    topic: entry.name,
    partitions: entry.partitions,
    created: false,
    changes: [],
  };
  if (!existing.has(entry.name)) {
    await admin.createTopics([newTopic(entry, replicationFactor)]);
    return { ...outcome, created: true };
  }
  // min.insync.replicas follows the replicas the topic has, not those a new one would get:
  // 2 on a topic with one replica would refuse every write.
  const replicas = (await admin.partitionReplicas(entry.name))[0]?.replicas.length ?? 1;
  const wanted = topicConfigs(entry, replicas);
  const actual = await admin.topicConfigs(entry.name);
  outcome.changes = Object.entries(wanted)
    .filter(([name, value]) => actual[name] !== value)
    .map(([name, to]) => ({ name, from: actual[name], to }));
  if (outcome.changes.length > 0) {
    await admin.setTopicConfigs(
      entry.name,
      Object.fromEntries(outcome.changes.map((c) => [c.name, c.to])),
    );
  }
  const partitions = await admin.partitionCount(entry.name);
  if (partitions !== entry.partitions) {
    // Adding partitions moves keys to other partitions and breaks per-entity order
    // for consumers mid-stream; that is a migration to plan, not a side effect.
    outcome.drift = `has ${partitions} partitions, the catalog says ${entry.partitions}; not changed`;
  }
  return outcome;
}

type SubjectOutcome = { compatibilityFrom?: CompatibilityLevel | null } & (
  | { kind: "known"; id: number }
  | { kind: "registered"; id: number }
  | { kind: "refused"; message: string }
);

async function applySubject(
  registry: RegistryApi,
  subject: string,
  schema: string,
  compatibility: CompatibilityLevel,
): Promise<SubjectOutcome> {
  // The level goes first, so the registry enforces it from the very first version:
  // Apicurio's ccompat enforces nothing for a subject without one (its global is NONE).
  const level = await registry.subjectCompatibility(subject);
  const set = level !== compatibility ? { compatibilityFrom: level } : {};
  if (level !== compatibility) await registry.setSubjectCompatibility(subject, compatibility);
  const known = await registry.lookup(subject, schema);
  if (known !== null) return { ...set, kind: "known", id: known };
  try {
    return { ...set, kind: "registered", id: await registry.register(subject, schema) };
  } catch (error) {
    if (!(error instanceof RegistryHttpError) || error.status !== 409) throw error;
    return { ...set, kind: "refused", message: error.message };
  }
}
