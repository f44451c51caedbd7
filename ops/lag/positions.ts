/**
 * One sample of lag: where every consumer of the platform is in its topics, against the
 * topics' read_committed ends. Three kinds of consumers exist. A streams application is a
 * consumer group (its committed offsets are the truth: they commit with its outputs);
 * a view version keeps its positions in its own Postgres schema (`sink_offsets`,
 * docs/adr/010-sinks.md); a Kafka Connect sink connector is the consumer group
 * `connect-<name>` (docs/adr/035-kafka-connect.md). Which exist is the caller's to say.
 */
import type { KafkaAdmin } from "../../platform/kafka/index.ts";
import type { Pool } from "../../platform/postgres/pool.ts";

export interface ApplicationConsumer {
  kind: "application";
  name: string;
  groupId: string;
  /** Its source topics; internal topics it reads are found in its committed offsets. */
  inputs: readonly string[];
}

export interface ViewVersionConsumer {
  kind: "view";
  name: string;
  version: number;
  state: string;
  /** The Postgres schema holding the version's `sink_offsets`. */
  schema: string;
  pool: Pool;
  topics: readonly string[];
}

export interface ConnectorConsumer {
  kind: "connector";
  name: string;
  /** `connect-<name>`: Connect's sink tasks commit there. */
  groupId: string;
  /** The topics its config names. */
  inputs: readonly string[];
}

export type Consumer = ApplicationConsumer | ViewVersionConsumer | ConnectorConsumer;

export interface PartitionLag {
  topic: string;
  partition: number;
  /** The next offset the consumer will read. */
  next: bigint;
  end: bigint;
  behind: bigint;
}

export interface ConsumerLag {
  consumer: Consumer;
  partitions: PartitionLag[];
  behind: bigint;
  /** Topics it reads that do not exist (yet): nothing to be behind on, but worth saying. */
  missingTopics: string[];
}

/** Caches each topic's ends and starts for the length of one sample. */
function topicOffsets(admin: KafkaAdmin) {
  const cached = (look: (topic: string) => Promise<bigint[]>) => {
    const seen = new Map<string, Promise<bigint[] | undefined>>();
    return (topic: string) => {
      const known = seen.get(topic);
      if (known) return known;
      const looked = look(topic).catch((error: unknown) => {
        if (isUnknownTopic(error)) return undefined;
        throw error;
      });
      seen.set(topic, looked);
      return looked;
    };
  };
  return {
    end: cached((topic) => admin.endOffsets(topic, "read_committed")),
    start: cached((topic) => admin.startOffsets(topic)),
  };
}

const isUnknownTopic = (error: unknown) =>
  /unknown topic/i.test(error instanceof Error ? error.message : String(error));

const slotTopic = (slot: string) => slot.slice(0, slot.lastIndexOf(":"));

async function positionsOf(
  consumer: Consumer,
  admin: KafkaAdmin,
): Promise<{ topics: string[]; next: Map<string, bigint> }> {
  if (consumer.kind !== "view") {
    const committed = await admin.committedOffsets(consumer.groupId);
    const topics = new Set([...consumer.inputs, ...[...committed.keys()].map(slotTopic)]);
    return { topics: [...topics], next: committed };
  }
  const { rows } = await consumer.pool.query<{
    topic: string;
    partition: number;
    next_offset: string;
  }>(`select topic, partition, next_offset from "${consumer.schema}".sink_offsets`);
  return {
    topics: [...consumer.topics],
    next: new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)])),
  };
}

/**
 * Measures every consumer once. A partition the consumer has no position in yet counts
 * from the partition's first offset (where an application or a new version starts).
 */
export async function sampleLag(
  admin: KafkaAdmin,
  consumers: readonly Consumer[],
): Promise<ConsumerLag[]> {
  const offsets = topicOffsets(admin);
  return Promise.all(
    consumers.map(async (consumer) => {
      const { topics, next } = await positionsOf(consumer, admin);
      const partitions: PartitionLag[] = [];
      const missingTopics: string[] = [];
      const looked = await Promise.all(
        topics.sort().map(async (topic) => {
          const [ends, starts] = await Promise.all([offsets.end(topic), offsets.start(topic)]);
          return { topic, ends, starts };
        }),
      );
      for (const { topic, ends, starts } of looked) {
        if (!ends || !starts) {
          missingTopics.push(topic);
          continue;
        }
        ends.forEach((end, partition) => {
          const at = next.get(`${topic}:${partition}`) ?? starts[partition] ?? 0n;
          const behind = end > at ? end - at : 0n;
          partitions.push({ topic, partition, next: at, end, behind });
        });
      }
      const behind = partitions.reduce((sum, p) => sum + p.behind, 0n);
      return { consumer, partitions, behind, missingTopics };
    }),
  );
}

/** The sums a trend is computed from (ops/lag/trend.ts). */
export function totalsOf(lag: ConsumerLag, at: number) {
  return {
    at,
    consumed: lag.partitions.reduce((sum, p) => sum + p.next, 0n),
    end: lag.partitions.reduce((sum, p) => sum + p.end, 0n),
  };
}

export const consumerKey = (c: Consumer): string =>
  c.kind === "view"
    ? `view ${c.name} v${c.version}`
    : `${c.kind === "application" ? "app" : "connector"} ${c.name}`;
