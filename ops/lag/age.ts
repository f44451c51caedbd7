/**
 * Lag in seconds: how long ago the oldest record a consumer has not read was written.
 * A consumer 10,000 records behind on a topic that takes 50,000 a second is fresh; one
 * record behind for an hour is stuck. Records carry event time; a record stamped in the
 * future (a client clock ahead) counts as age 0.
 *
 * Looking at the records also corrects the count: the offsets between a consumer's
 * position and the end may be only transaction markers (every transactional write ends
 * with one, and a consumer idle after it has not moved past it). Such a partition is not
 * behind at all.
 */
import type { Fetcher } from "../../platform/kafka/index.ts";
import type { ConsumerLag, PartitionLag } from "./positions.ts";

export interface AgedPartition extends PartitionLag {
  /** Event time (ms) of the first unread record; null when caught up or not readable yet. */
  oldestUnreadAt: number | null;
}

export interface AgedLag extends Omit<ConsumerLag, "partitions"> {
  partitions: AgedPartition[];
  /** The age of the oldest unread record of any partition; null when unknown. */
  secondsBehind: number | null;
}

interface Probe {
  topic: string;
  partition: number;
  offset: bigint;
}

const probeKey = (p: Probe) => `${p.topic}:${p.partition}:${p.offset}`;

/** First record at or after each position; positions of one partition go in separate rounds. */
async function firstRecords(
  fetcher: Fetcher,
  probes: readonly Probe[],
): Promise<Map<string, { at: number | null; onlyMarkersUntil: bigint }>> {
  const found = new Map<string, { at: number | null; onlyMarkersUntil: bigint }>();
  const rounds: Probe[][] = [];
  for (const probe of probes) {
    const slot = `${probe.topic}:${probe.partition}`;
    const round = rounds.find((r) => !r.some((p) => `${p.topic}:${p.partition}` === slot));
    if (round) round.push(probe);
    else rounds.push([probe]);
  }
  for (const round of rounds) {
    const fetched = await fetcher.fetch(round, { maxWaitMs: 0, maxBytes: 1 << 20 });
    for (const part of fetched) {
      const probe = round.find((p) => p.topic === part.topic && p.partition === part.partition);
      if (!probe) continue;
      const first = part.records[0];
      found.set(probeKey(probe), {
        at: first ? Number(first.timestamp) : null,
        onlyMarkersUntil: first ? probe.offset : part.nextOffset,
      });
    }
  }
  return found;
}

/** Any lag with partitions can be aged: the exporter's sinks report positions of their own. */
export async function ageLag<L extends Pick<ConsumerLag, "partitions" | "behind"> = ConsumerLag>(
  fetcher: Fetcher,
  lags: readonly L[],
  now: number,
): Promise<Array<Omit<L, "partitions"> & Pick<AgedLag, "partitions" | "secondsBehind">>> {
  const probes = new Map<string, Probe>();
  for (const lag of lags) {
    for (const p of lag.partitions) {
      if (p.behind === 0n) continue;
      const probe = { topic: p.topic, partition: p.partition, offset: p.next };
      probes.set(probeKey(probe), probe);
    }
  }
  const first = probes.size > 0 ? await firstRecords(fetcher, [...probes.values()]) : new Map();
  return lags.map((lag) => {
    let known = false;
    let worst = 0;
    const partitions = lag.partitions.map((p): AgedPartition => {
      if (p.behind === 0n) return { ...p, oldestUnreadAt: null };
      const seen = first.get(probeKey({ topic: p.topic, partition: p.partition, offset: p.next }));
      if (seen && seen.at === null && seen.onlyMarkersUntil >= p.end) {
        return { ...p, behind: 0n, oldestUnreadAt: null };
      }
      if (seen?.at != null) {
        known = true;
        worst = Math.max(worst, (now - seen.at) / 1000);
      }
      return { ...p, oldestUnreadAt: seen?.at ?? null };
    });
    const behind = partitions.reduce((sum, p) => sum + p.behind, 0n);
    const secondsBehind = behind === 0n ? 0 : known ? worst : null;
    return { ...lag, partitions, behind, secondsBehind };
  });
}
