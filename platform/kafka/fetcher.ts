import { Consumer, FetchIsolationLevels, IS_CONTROL, IS_TRANSACTIONAL } from "@platformatic/kafka";
import { connectionOptions } from "./connection.ts";
import type { InRecord, IsolationLevel } from "./types.ts";

export interface FetchPosition {
  topic: string;
  partition: number;
  /** The next offset to read. */
  offset: bigint;
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  records: InRecord[];
  /** Where the next fetch of this partition starts (past control markers too). */
  nextOffset: bigint;
  highWatermark: bigint;
  /** The end a read_committed reader can reach now. */
  lastStableOffset: bigint;
}

/**
 * Reads partitions at positions the caller owns. The streams runtime and store restore
 * use it instead of a group consumer's stream: after an aborted transaction or a
 * rebalance they must rewind to exactly the committed offsets, which only an explicit
 * position per partition allows.
 */
export interface Fetcher {
  fetch(
    positions: readonly FetchPosition[],
    options?: { isolation?: IsolationLevel; maxWaitMs?: number; maxBytes?: number },
  ): Promise<FetchedPartition[]>;
  close(): Promise<void>;
}

const ABORT_MARKER = 0;

export function createFetcher(options: {
  brokers: string[];
  clientId: string;
  /** The Kafka principal on the native stack, when not this process's own. */
  principal?: string;
}): Fetcher {
  // A group id is required by the client; this consumer never joins or commits.
  const consumer = new Consumer({
    clientId: options.clientId,
    groupId: `${options.clientId}-fetcher-unused`,
    bootstrapBrokers: options.brokers,
    ...connectionOptions(options.brokers, options.principal),
    autocommit: false,
  });

  return {
    async fetch(positions, fetchOptions = {}) {
      if (positions.length === 0) return [];
      const isolation = fetchOptions.isolation ?? "read_committed";
      for (const p of positions) consumer.topics.track(p.topic);
      const metadata = await consumer.metadata({
        topics: [...new Set(positions.map((p) => p.topic))],
      });
      const byNode = new Map<number, FetchPosition[]>();
      for (const p of positions) {
        const topic = metadata.topics.get(p.topic);
        const leader = topic?.partitions[p.partition]?.leader;
        if (leader === undefined) throw new Error(`no leader for ${p.topic}/${p.partition}`);
        const list = byNode.get(leader) ?? [];
        list.push(p);
        byNode.set(leader, list);
      }
      const requested = new Map(positions.map((p) => [`${p.topic}\u0000${p.partition}`, p.offset]));
      const results: FetchedPartition[] = [];
      await Promise.all(
        [...byNode].map(async ([node, list]) => {
          const topics = new Map<string, FetchPosition[]>();
          for (const p of list) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p]);
          const idToName = new Map<string, string>();
          const response = await consumer.fetch({
            node,
            maxWaitTime: fetchOptions.maxWaitMs ?? 100,
            minBytes: 1,
            maxBytes: fetchOptions.maxBytes ?? 16 * 1024 * 1024,
            isolationLevel:
              isolation === "read_committed"
                ? FetchIsolationLevels.READ_COMMITTED
                : FetchIsolationLevels.READ_UNCOMMITTED,
            topics: [...topics].map(([name, ps]) => {
              const id = metadata.topics.get(name)?.id as string;
              idToName.set(id, name);
              return {
                topicId: id,
                partitions: ps.map((p) => ({
                  partition: p.partition,
                  fetchOffset: p.offset,
                  currentLeaderEpoch: -1,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: 4 * 1024 * 1024,
                })),
              };
            }),
          });
          for (const t of response.responses) {
            const topic = idToName.get(t.topicId);
            if (!topic) continue;
            for (const part of t.partitions) {
              const from = requested.get(`${topic}\u0000${part.partitionIndex}`);
              // An incremental fetch session may return partitions we did not ask for now.
              if (from === undefined) continue;
              if (part.errorCode !== 0) {
                throw new Error(
                  `fetch of ${topic}/${part.partitionIndex} at ${from} failed with error code ${part.errorCode}`,
                );
              }
              results.push(decodePartition(topic, part, from, isolation));
            }
          }
        }),
      );
      return results;
    },
    close: () => consumer.close(true),
  };
}

type RawPartition = Awaited<
  ReturnType<Consumer["fetch"]>
>["responses"][number]["partitions"][number];

function decodePartition(
  topic: string,
  part: RawPartition,
  from: bigint,
  isolation: IsolationLevel,
): FetchedPartition {
  const batches = part.records ?? [];
  // read_committed, as Kafka's own consumer does it: the broker lists the aborted
  // transactions overlapping this response (producer id, first offset). Walking the batches
  // in offset order, a producer is "aborted" from its listed first offset until its ABORT
  // marker, and its transactional batches in between are skipped. A producer can have
  // several aborted transactions in one response (one per SIGKILLed incarnation of a
  // transactional id): the client's own filter (@platformatic/kafka 2.12.1) keeps one range
  // per producer and lets the others through, so it is not relied on.
  const aborted =
    isolation === "read_committed"
      ? [...(part.abortedTransactions ?? [])].sort((x, y) =>
          x.firstOffset < y.firstOffset ? -1 : x.firstOffset > y.firstOffset ? 1 : 0,
        )
      : [];
  let nextAborted = 0;
  const abortedProducers = new Set<bigint>();
  const records: InRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const isControl = (batch.attributes & IS_CONTROL) !== 0;
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (nextAborted < aborted.length && (aborted[nextAborted]?.firstOffset ?? 0n) <= last) {
      abortedProducers.add(aborted[nextAborted]?.producerId as bigint);
      nextAborted++;
    }
    if (last >= next) next = last + 1n;
    if (isControl) {
      if (batch.records[0]?.key?.readInt16BE(2) === ABORT_MARKER) {
        abortedProducers.delete(batch.producerId);
      }
      continue;
    }
    if ((batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId)) {
      continue;
    }
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < from) continue;
      const headers = new Map<string, Buffer>();
      for (const [k, v] of record.headers) if (k) headers.set(k.toString(), v ?? Buffer.alloc(0));
      records.push({
        topic,
        partition: part.partitionIndex,
        offset,
        key: record.key && record.key.length > 0 ? record.key : null,
        value: record.value && record.value.length > 0 ? record.value : null,
        headers,
        timestamp: batch.firstTimestamp + record.timestampDelta,
      });
    }
  }
  return {
    topic,
    partition: part.partitionIndex,
    records,
    nextOffset: next,
    highWatermark: part.highWatermark,
    lastStableOffset: part.lastStableOffset,
  };
}
