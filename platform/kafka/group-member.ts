import { Admin, Consumer, type GroupPartitionsAssignments } from "@platformatic/kafka";
import { connectionOptions } from "./connection.ts";
import { brokerErrorNames } from "./errors.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * Decides who reads what: member ids (sorted), partition counts and what each member
 * owned before the rebalance (as it reported it) in, partitions per member out.
 */
export type Assignor = (
  members: readonly string[],
  partitionCounts: ReadonlyMap<string, number>,
  previous: ReadonlyMap<string, readonly TopicPartition[]>,
) => Map<string, TopicPartition[]>;

export interface Generation {
  generationId: number;
  memberId: string;
}

/**
 * Membership in a consumer group without a record stream: the group decides who owns
 * which partitions (with the caller's assignor, run on the leader), and the caller
 * reads those partitions with a Fetcher at positions it controls.
 */
export interface GroupMember {
  readonly groupId: string;
  join(): Promise<void>;
  /** Partitions owned in the current generation. */
  assignment(): TopicPartition[];
  generation(): Generation;
  /** Called after every completed rebalance with the new assignment. */
  onAssignment(listener: (partitions: TopicPartition[], generation: Generation) => void): void;
  /** Called when a rebalance starts: until the next assignment, nothing owned is certain. */
  onRebalanceStarted(listener: () => void): void;
  /**
   * The group's committed offsets. Stable: waits while another member's transaction
   * that commits offsets for these partitions is still open (KIP-447), so a new owner
   * never starts from an offset that is about to move.
   */
  committedOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, bigint>>;
  /** Commits offsets outside a transaction (at-least-once). */
  commit(offsets: ReadonlyArray<TopicPartition & { offset: bigint }>): Promise<void>;
  leave(): Promise<void>;
  /** For transactions: the client object and the metadata a TxnOffsetCommit must carry. */
  transactionalIdentity(): { consumer: unknown; coordinatorId: number | null } & Generation;
}

export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

export function createGroupMember(options: {
  brokers: string[];
  clientId: string;
  groupId: string;
  topics: readonly string[];
  assignor: Assignor;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  /**
   * Static membership (KIP-345): a member that rejoins with the same instance id (a
   * restart, a replacement after a crash) takes its old place and assignment at once,
   * instead of waiting out the dead member's session and rebalancing everyone.
   */
  groupInstanceId?: string;
}): GroupMember {
  const consumer = new Consumer({
    clientId: options.clientId,
    groupId: options.groupId,
    bootstrapBrokers: options.brokers,
    ...connectionOptions(options.brokers),
    autocommit: false,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 30_000,
    heartbeatInterval: 1_000,
    ...(options.groupInstanceId === undefined ? {} : { groupInstanceId: options.groupInstanceId }),
  });
  const admin = new Admin({
    clientId: `${options.clientId}-admin`,
    bootstrapBrokers: options.brokers,
    ...connectionOptions(options.brokers),
  });
  const assignedListeners: Array<(p: TopicPartition[], g: Generation) => void> = [];
  const startedListeners: Array<() => void> = [];

  const current = (): TopicPartition[] =>
    (consumer.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    );
  // What this member owned after its last completed rebalance: sent with every join so
  // the leader's assignor can leave partitions where they are (sticky).
  let owned: TopicPartition[] = [];
  const ownedMetadata = (): Buffer =>
    Buffer.from(JSON.stringify({ owned: owned.map((tp) => [tp.topic, tp.partition]) }));
  const reportedOwned = (metadata: unknown): TopicPartition[] => {
    if (!Buffer.isBuffer(metadata) || metadata.length === 0) return [];
    try {
      const parsed = JSON.parse(metadata.toString()) as { owned?: Array<[string, number]> };
      return (parsed.owned ?? []).map(([topic, partition]) => ({ topic, partition }));
    } catch {
      return [];
    }
  };
  const generation = (): Generation => ({
    generationId: consumer.generationId ?? -1,
    memberId: consumer.memberId ?? "",
  });

  consumer.on("consumer:group:join", () => {
    owned = current();
    for (const listener of assignedListeners) listener(current(), generation());
  });
  consumer.on("consumer:group:rebalance", () => {
    for (const listener of startedListeners) listener();
  });

  const partitionAssigner = (
    _current: string,
    members: Map<string, { metadata?: unknown }>,
    topics: Set<string>,
    metadata: { topics: Map<string, { partitionsCount: number }> },
  ): GroupPartitionsAssignments[] => {
    const counts = new Map<string, number>();
    for (const topic of topics) counts.set(topic, metadata.topics.get(topic)?.partitionsCount ?? 0);
    const ids = [...members.keys()].sort();
    const previous = new Map(ids.map((id) => [id, reportedOwned(members.get(id)?.metadata)]));
    const decided = options.assignor(ids, counts, previous);
    return ids.map((memberId) => {
      const assignments = new Map<string, { topic: string; partitions: number[] }>();
      for (const tp of decided.get(memberId) ?? []) {
        const entry = assignments.get(tp.topic) ?? { topic: tp.topic, partitions: [] };
        entry.partitions.push(tp.partition);
        assignments.set(tp.topic, entry);
      }
      return { memberId, assignments };
    });
  };

  return {
    groupId: options.groupId,
    async join() {
      for (const topic of options.topics) consumer.topics.track(topic);
      await consumer.joinGroup({
        partitionAssigner: partitionAssigner as never,
        protocolsMetadata: ownedMetadata,
      });
      owned = current();
      for (const listener of assignedListeners) listener(current(), generation());
    },
    assignment: current,
    generation,
    onAssignment(listener) {
      assignedListeners.push(listener);
    },
    onRebalanceStarted(listener) {
      startedListeners.push(listener);
    },
    async committedOffsets(partitions) {
      const byTopic = new Map<string, number[]>();
      for (const tp of partitions)
        byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      const result = new Map<string, bigint>();
      if (partitions.length === 0) return result;
      for (let attempt = 0; ; attempt++) {
        try {
          const groups = await admin.listConsumerGroupOffsets({
            groups: [
              {
                groupId: options.groupId,
                topics: [...byTopic].map(([name, partitionIndexes]) => ({
                  name,
                  partitionIndexes,
                })),
              },
            ],
            requireStable: true,
          });
          for (const group of groups) {
            for (const topic of group.topics) {
              for (const p of topic.partitions) {
                if (p.committedOffset >= 0n)
                  result.set(
                    partitionKey({ topic: topic.name, partition: p.partitionIndex }),
                    p.committedOffset,
                  );
              }
            }
          }
          return result;
        } catch (error) {
          // Another member's transaction is still open: its offsets are about to land.
          if (!brokerErrorNames(error).includes("UNSTABLE_OFFSET_COMMIT") || attempt > 300)
            throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
    async commit(offsets) {
      await consumer.commit({
        offsets: offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset,
          leaderEpoch: -1,
        })),
      });
    },
    async leave() {
      await consumer.close(true).catch(() => {});
      await admin.close().catch(() => {});
    },
    transactionalIdentity: () => ({
      consumer,
      coordinatorId: consumer.coordinatorId,
      ...generation(),
    }),
  };
}
