import { setTimeout as sleep } from "node:timers/promises";
import { createFetcher, type InRecord } from "../../platform/kafka/index.ts";
import { brokers, testAdmin } from "./kafka.ts";

/** Every committed record of a topic, from offset 0 to its current end. */
export async function readAll(topic: string): Promise<InRecord[]> {
  const admin = testAdmin();
  const fetcher = createFetcher({ brokers: brokers(), clientId: "vobe-tests-read-all" });
  try {
    const ends = await admin.endOffsets(topic, "read_committed");
    let positions = ends.map((_, partition) => ({ topic, partition, offset: 0n }));
    const records: InRecord[] = [];
    while (positions.some((p) => p.offset < (ends[p.partition] ?? 0n))) {
      const fetched = await fetcher.fetch(
        positions.filter((p) => p.offset < (ends[p.partition] ?? 0n)),
        { maxWaitMs: 50 },
      );
      for (const f of fetched) {
        records.push(...f.records);
        positions = positions.map((p) =>
          p.partition === f.partition ? { ...p, offset: f.nextOffset } : p,
        );
      }
    }
    return records;
  } finally {
    await fetcher.close();
    await admin.close();
  }
}

/** Output values per key, in offset order (one key lives in one partition). */
export function valuesByKey<V>(
  records: InRecord[],
  decode: (value: Buffer) => V,
): Map<string, V[]> {
  const byKey = new Map<string, V[]>();
  const sorted = [...records].sort((a, b) =>
    a.partition !== b.partition ? a.partition - b.partition : a.offset < b.offset ? -1 : 1,
  );
  for (const r of sorted) {
    const key = r.key?.toString() ?? "";
    const list = byKey.get(key) ?? [];
    if (r.value) list.push(decode(r.value));
    byKey.set(key, list);
  }
  return byKey;
}

export const decodeLong = (value: Buffer): number => Number(value.readBigInt64BE(0));

/** Polls until `check` passes or the time is up; returns the last value it saw. */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await sleep(250);
    value = await read();
  }
  return value;
}
