import { createAdmin, createFetcher } from "../../platform/kafka/index.ts";

/**
 * The baseline of the read-side benches: every record of every partition of `topics`, from
 * each partition's first offset to its committed end as of the call, fetched and counted
 * (read_committed, nothing decoded).
 */
export async function rawRead(brokers: string[], topics: readonly string[]): Promise<number> {
  const admin = createAdmin({ brokers, clientId: "vobe-bench" });
  const fetcher = createFetcher({ brokers, clientId: "vobe-bench" });
  try {
    const positions = new Map<
      string,
      { topic: string; partition: number; at: bigint; end: bigint; empty: number }
    >();
    for (const topic of topics) {
      const [ends, starts] = await Promise.all([
        admin.endOffsets(topic, "read_committed"),
        admin.startOffsets(topic),
      ]);
      ends.forEach((end, partition) => {
        const at = starts[partition] ?? 0n;
        if (at < end)
          positions.set(`${topic}:${partition}`, { topic, partition, at, end, empty: 0 });
      });
    }
    let count = 0;
    while (positions.size > 0) {
      const wanted = [...positions.values()].map(({ topic, partition, at }) => ({
        topic,
        partition,
        offset: at,
      }));
      for (const batch of await fetcher.fetch(wanted, { isolation: "read_committed" })) {
        const slot = `${batch.topic}:${batch.partition}`;
        const position = positions.get(slot);
        if (!position) continue;
        count += batch.records.filter((r) => r.offset < position.end).length;
        // A fetch answers some partitions empty when others filled its size limit; only
        // many empty answers in a row mean there is nothing more to read below the end.
        if (batch.nextOffset > position.at) {
          position.at = batch.nextOffset;
          position.empty = 0;
        } else {
          position.empty++;
        }
        if (position.empty >= 50 || position.at >= position.end) positions.delete(slot);
      }
    }
    return count;
  } finally {
    await Promise.all([admin.close(), fetcher.close()]);
  }
}
