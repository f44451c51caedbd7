/**
 * `vobe topics apply`: makes the broker and the registry match schemas/catalog.ts.
 * Idempotent, and never destructive: missing topics are created, differing topic configs
 * are set, partition counts are only reported, and nothing is ever deleted.
 */
import { createAdmin } from "../platform/kafka/index.ts";
import {
  type CompatibilityLevel,
  RegistryHttpError,
  registryApi,
} from "../platform/registry/confluent-api.ts";
import { replicationFor } from "../stack/config.ts";
import { catalog as defaultCatalog, type TopicEntry, topicConfigs } from "./catalog.ts";
import { subjectOf } from "./event-type.ts";

export interface ApplyOptions {
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
  /** The topics to apply; tests pass a prefixed copy (prefixedCatalog). */
  catalog?: readonly TopicEntry[];
  /**
   * Of new topics. Absent: follows the cluster, up to 3 (1 on the single-node native stack,
   * 3 on `vobe start --brokers 3` or any cluster of three or more).
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

  const admin = createAdmin({ brokers: options.kafkaBrokers, clientId: "vobe-topics-apply" });
  try {
    const replicationFactor =
      options.replicationFactor ??
      replicationFor((await admin.brokerIds()).length).replicationFactor;
    const existing = new Set(await admin.listTopics());
    for (const entry of entries) {
      if (!existing.has(entry.name)) {
        const wanted = topicConfigs(entry, replicationFactor);
        await admin.createTopics([
          { name: entry.name, partitions: entry.partitions, replicationFactor, config: wanted },
        ]);
        report.created.push(entry.name);
        log(`  created   ${entry.name} (${entry.partitions} partitions)`);
        continue;
      }
      // min.insync.replicas follows the replicas the topic has, not those a new one would get:
      // 2 on a topic with one replica would refuse every write.
      const replicas = (await admin.partitionReplicas(entry.name))[0]?.replicas.length ?? 1;
      const wanted = topicConfigs(entry, replicas);
      const actual = await admin.topicConfigs(entry.name);
      const changes = Object.entries(wanted)
        .filter(([name, value]) => actual[name] !== value)
        .map(([name, to]) => ({ name, from: actual[name], to }));
      if (changes.length > 0) {
        await admin.setTopicConfigs(
          entry.name,
          Object.fromEntries(changes.map((c) => [c.name, c.to])),
        );
        report.updated.push({ topic: entry.name, changes });
        log(
          `  updated   ${entry.name}: ${changes.map((c) => `${c.name} ${c.from ?? "(unset)"} → ${c.to}`).join(", ")}`,
        );
      } else {
        report.unchanged.push(entry.name);
      }
      const partitions = await admin.partitionCount(entry.name);
      if (partitions !== entry.partitions) {
        // Adding partitions moves keys to other partitions and breaks per-entity order
        // for consumers mid-stream; that is a migration to plan, not a side effect.
        const problem = `has ${partitions} partitions, the catalog says ${entry.partitions}; not changed`;
        report.drift.push({ topic: entry.name, problem });
        log(`  drift     ${entry.name} ${problem}`);
      }
    }
  } finally {
    await admin.close();
  }

  const registry = registryApi(options.schemaRegistryUrl);
  for (const entry of entries) {
    for (const event of entry.events) {
      const subject = subjectOf(event);
      // The level goes first, so the registry enforces it from the very first version:
      // Apicurio's ccompat enforces nothing for a subject without one (its global is NONE).
      const level = await registry.subjectCompatibility(subject);
      if (level !== entry.compatibility) {
        await registry.setSubjectCompatibility(subject, entry.compatibility);
        report.compatibilitySet.push({ subject, from: level, to: entry.compatibility });
      }
      const schema = JSON.stringify(event.schema);
      const known = await registry.lookup(subject, schema);
      if (known !== null) {
        report.alreadyRegistered.push({ subject, id: known });
        continue;
      }
      try {
        const id = await registry.register(subject, schema);
        report.registered.push({ subject, id });
        log(`  registered ${subject} (id ${id})`);
      } catch (error) {
        if (!(error instanceof RegistryHttpError) || error.status !== 409) throw error;
        report.refused.push({ subject, message: error.message });
        log(`  REFUSED   ${subject}: ${error.message} (run \`vobe schemas check\` for why)`);
      }
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
