import {
  Admin,
  ConfigResourceTypes,
  FetchIsolationLevels,
  FindCoordinatorKeyTypes,
  IncrementalAlterConfigOperationTypes,
  ListOffsetTimestamps,
} from "@platformatic/kafka";
import { connectionOptions } from "./connection.ts";
import { brokerErrorNames } from "./errors.ts";
import type { TopicPartition } from "./group-member.ts";
import type { IsolationLevel, TopicSpec } from "./types.ts";

export interface KafkaAdmin {
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(specs: readonly TopicSpec[]): Promise<string[]>;
  deleteTopics(names: readonly string[]): Promise<void>;
  listTopics(): Promise<string[]>;
  partitionCount(topic: string): Promise<number>;
  /** The ids of the brokers in the cluster now (fenced or dead ones are not listed). */
  brokerIds(): Promise<number[]>;
  /** Per partition: its leader (-1 when it has none), its replicas, and which are in sync. */
  partitionReplicas(
    topic: string,
  ): Promise<Array<{ partition: number; leader: number; replicas: number[]; isr: number[] }>>;
  /**
   * The next offset to be written in each partition (the log end). With read_committed,
   * the last stable offset: open transactions are not counted.
   */
  endOffsets(topic: string, isolation?: IsolationLevel): Promise<bigint[]>;
  /** The first offset still in each partition (0 unless retention or DeleteRecords removed some). */
  startOffsets(topic: string): Promise<bigint[]>;
  /**
   * Per partition, the first offset whose timestamp is at or after `timestamp` (ms); the
   * log end where no record is that late.
   */
  offsetsForTime(topic: string, timestamp: bigint): Promise<bigint[]>;
  /** Deletes a consumer group and its committed offsets; the broker refuses while it has members. */
  deleteGroup(groupId: string): Promise<void>;
  /** The broker that coordinates a transactional id's transactions. */
  transactionCoordinator(transactionalId: string): Promise<number>;
  /** A consumer group's members, their client ids and the partitions each owns now. */
  groupMembers(
    groupId: string,
  ): Promise<Array<{ memberId: string; clientId: string; partitions: TopicPartition[] }>>;
  /**
   * A consumer group's committed offsets ("topic:partition" to the next offset it will
   * read), only of committed transactions: offsets still inside an open transaction are
   * not reported as committed (the broker is asked for stable offsets, and asked again
   * while it answers that some are pending).
   */
  committedOffsets(groupId: string): Promise<Map<string, bigint>>;
  /**
   * Deletes every record before the given offset of each partition (DeleteRecords): the
   * partition's start offset moves there. For consumed records of internal topics.
   */
  deleteRecordsBefore(offsets: ReadonlyArray<TopicPartition & { offset: bigint }>): Promise<void>;
  /** The topic's effective configs (explicit and defaulted), name to value. */
  topicConfigs(topic: string): Promise<Record<string, string>>;
  /** Sets these configs on the topic and leaves every other config as it is. */
  setTopicConfigs(topic: string, configs: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export function createAdmin(options: {
  brokers: string[];
  clientId: string;
  /** The Kafka principal on the native stack, when not this process's own. */
  principal?: string;
}): KafkaAdmin {
  const admin = new Admin({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    ...connectionOptions(options.brokers, options.principal),
  });

  const partitionCount = async (topic: string) => {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const meta = metadata.topics.get(topic);
    if (!meta) throw new Error(`topic ${topic} does not exist`);
    return meta.partitionsCount;
  };

  const partitionReplicas = async (topic: string) => {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
    const meta = metadata.topics.get(topic);
    if (!meta) throw new Error(`topic ${topic} does not exist`);
    return meta.partitions.map((p, partition) => ({
      partition,
      leader: p.leader,
      replicas: [...p.replicas],
      isr: [...p.isr],
    }));
  };

  const listOffsets = async (topic: string, timestamp: bigint, isolation: IsolationLevel) => {
    const count = await partitionCount(topic);
    const listed = await admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: count }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp,
          })),
        },
      ],
      isolationLevel:
        isolation === "read_committed"
          ? FetchIsolationLevels.READ_COMMITTED
          : FetchIsolationLevels.READ_UNCOMMITTED,
    });
    const offsets = new Array<bigint>(count).fill(0n);
    for (const t of listed) for (const p of t.partitions) offsets[p.partitionIndex] = p.offset;
    return offsets;
  };

  return {
    partitionReplicas,
    async brokerIds() {
      const metadata = await admin.metadata({ topics: [], forceUpdate: true });
      return [...metadata.brokers.keys()].sort((a, b) => a - b);
    },
    async deleteRecordsBefore(offsets) {
      const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
      for (const { topic, partition, offset } of offsets) {
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
      }
      if (byTopic.size === 0) return;
      await admin.deleteRecords({
        topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      });
    },

    async createTopics(specs) {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      // One request per topic: partitions and configs differ from topic to topic.
      for (const spec of missing) {
        try {
          await admin.createTopics({
            topics: [spec.name],
            partitions: spec.partitions,
            // -1: the broker's default.replication.factor, which follows the broker count
            // (stack/services/kafka.ts); its min.insync.replicas applies the same way.
            replicas: spec.replicationFactor ?? -1,
            configs: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
          });
        } catch (error) {
          // Another client made it between the listing and this request (two sinks of one
          // view starting together): it exists, which is all that was asked.
          if (!brokerErrorNames(error).includes("TOPIC_ALREADY_EXISTS")) throw error;
        }
      }
      // The controller answers before the broker's metadata knows the topic; a client that
      // asks for it at once is told "Unknown topic" (the engine's changelogs at start-up on
      // a busy machine). Done means usable: every topic is in the metadata.
      const deadline = Date.now() + 30_000;
      for (const spec of missing) {
        for (let pause = 10; ; pause = Math.min(pause * 2, 500)) {
          try {
            await partitionCount(spec.name);
            break;
          } catch (error) {
            if (Date.now() > deadline) throw error;
            await new Promise((r) => setTimeout(r, pause));
          }
        }
      }
      return missing.map((s) => s.name);
    },

    async deleteTopics(names) {
      if (names.length === 0) return;
      try {
        await admin.deleteTopics({ topics: [...names] });
      } catch (error) {
        // The broker deletes each topic on its own; one that is gone already (deleted by
        // someone else, or still leaving the metadata after a deletion) fails alone, and
        // "gone" is what was asked.
        const names = brokerErrorNames(error);
        if (names.length === 0 || names.some((n) => n !== "UNKNOWN_TOPIC_OR_PARTITION")) {
          throw error;
        }
      }
    },

    listTopics: () => admin.listTopics(),

    partitionCount,

    endOffsets: (topic, isolation = "read_uncommitted") =>
      listOffsets(topic, ListOffsetTimestamps.LATEST, isolation),

    startOffsets: (topic) => listOffsets(topic, ListOffsetTimestamps.EARLIEST, "read_uncommitted"),

    async offsetsForTime(topic, timestamp) {
      const [found, ends] = await Promise.all([
        listOffsets(topic, timestamp, "read_uncommitted"),
        listOffsets(topic, ListOffsetTimestamps.LATEST, "read_uncommitted"),
      ]);
      // The broker answers -1 for a partition with no record that late.
      return found.map((offset, partition) => (offset < 0n ? (ends[partition] ?? 0n) : offset));
    },

    async deleteGroup(groupId) {
      try {
        await admin.deleteGroups({ groups: [groupId] });
      } catch (error) {
        // A group that never committed anything does not exist: nothing to delete.
        if (!brokerErrorNames(error).includes("GROUP_ID_NOT_FOUND")) throw error;
      }
    },

    async transactionCoordinator(transactionalId) {
      const [found] = await admin.findCoordinator({
        keyType: FindCoordinatorKeyTypes.TRANSACTION,
        keys: [transactionalId],
      });
      if (found === undefined) throw new Error(`no coordinator for ${transactionalId}`);
      return found.nodeId;
    },

    async groupMembers(groupId) {
      const groups = await admin.describeGroups({ groups: [groupId] });
      const group = groups.get(groupId);
      return [...(group?.members.values() ?? [])].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        partitions: [...(m.assignments?.values() ?? [])].flatMap((a) =>
          a.partitions.map((partition) => ({ topic: a.topic, partition })),
        ),
      }));
    },

    async committedOffsets(groupId) {
      for (let attempt = 0; ; attempt++) {
        try {
          const [group] = await admin.listConsumerGroupOffsets({
            groups: [groupId],
            requireStable: true,
          });
          const offsets = new Map<string, bigint>();
          for (const t of group?.topics ?? []) {
            for (const p of t.partitions) {
              if (p.committedOffset >= 0n)
                offsets.set(`${t.name}:${p.partitionIndex}`, p.committedOffset);
            }
          }
          return offsets;
        } catch (error) {
          // UNSTABLE_OFFSET_COMMIT: a transaction with offsets of this group is being
          // decided; it is decided within a transaction's commit, so asking again soon works.
          if (attempt >= 50 || !brokerErrorNames(error).includes("UNSTABLE_OFFSET_COMMIT"))
            throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    },

    async topicConfigs(topic) {
      const [described] = await admin.describeConfigs({
        resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic }],
      });
      const configs: Record<string, string> = {};
      for (const c of described?.configs ?? []) {
        if (typeof c.value === "string") configs[c.name] = c.value;
      }
      return configs;
    },

    async setTopicConfigs(topic, configs) {
      // Incremental: the legacy AlterConfigs would reset every config it is not given.
      await admin.incrementalAlterConfigs({
        resources: [
          {
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: topic,
            configs: Object.entries(configs).map(([name, value]) => ({
              name,
              value,
              configOperation: IncrementalAlterConfigOperationTypes.SET,
            })),
          },
        ],
      });
    },

    close: () => admin.close(),
  };
}
