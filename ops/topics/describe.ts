/**
 * What a topic is (from the catalog) and what it holds now (from the broker): partitions
 * with their first and end offsets, configs, and the schema subjects of its events.
 */
import type { KafkaAdmin } from "../../platform/kafka/index.ts";
import type { TopicEntry } from "../../schemas/catalog.ts";

export interface TopicSummary {
  name: string;
  partitions: number;
  /** Records still in the topic (end − first offset, summed; markers included). */
  records: bigint;
  entry?: TopicEntry;
}

export interface TopicDetail extends TopicSummary {
  offsets: Array<{ partition: number; first: bigint; end: bigint }>;
  configs: Record<string, string>;
}

export async function summarize(
  admin: KafkaAdmin,
  name: string,
  entry: TopicEntry | undefined,
): Promise<TopicSummary> {
  const [firsts, ends] = await Promise.all([
    admin.startOffsets(name),
    admin.endOffsets(name, "read_uncommitted"),
  ]);
  let records = 0n;
  ends.forEach((end, p) => {
    records += end - (firsts[p] ?? 0n);
  });
  return { name, partitions: ends.length, records, ...(entry ? { entry } : {}) };
}

export async function describeTopic(
  admin: KafkaAdmin,
  name: string,
  entry: TopicEntry | undefined,
): Promise<TopicDetail> {
  const existing = await admin.listTopics();
  if (!existing.includes(name)) {
    throw new Error(
      entry
        ? `${name} is in the catalog but not on the broker: ./vobe topics apply creates it`
        : `no topic ${name}`,
    );
  }
  const [firsts, ends, configs] = await Promise.all([
    admin.startOffsets(name),
    admin.endOffsets(name, "read_uncommitted"),
    admin.topicConfigs(name),
  ]);
  const offsets = ends.map((end, partition) => ({
    partition,
    first: firsts[partition] ?? 0n,
    end,
  }));
  const records = offsets.reduce((sum, o) => sum + (o.end - o.first), 0n);
  return {
    name,
    partitions: ends.length,
    records,
    offsets,
    configs,
    ...(entry ? { entry } : {}),
  };
}
