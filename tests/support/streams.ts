import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import {
  createAdmin,
  createFetcher,
  createProducer,
  type InRecord,
  type KafkaProducer,
  type KafkaTransaction,
  type ProducerOptions,
} from "../../platform/kafka/index.ts";
import { brokers } from "./kafka.ts";

/** Every committed record of a topic, from offset 0 to its current end (on the shared broker unless `from` says). */
export async function readAll(topic: string, from: string[] = brokers()): Promise<InRecord[]> {
  const admin = createAdmin({ brokers: from, clientId: "vobe-tests" });
  const fetcher = createFetcher({ brokers: from, clientId: "vobe-tests-read-all" });
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

/**
 * A producer supplier for StreamsApp (its third argument): the real producer, with every
 * transaction opened through `open`, which gets the real opening and may hold it, wrap
 * the transaction, or both. The crash and rebalance tests fault or watch commits with it.
 */
export function transactionsThrough(
  open: (start: () => Promise<KafkaTransaction>) => Promise<KafkaTransaction>,
): (options: ProducerOptions) => KafkaProducer {
  return (options) => {
    const real = createProducer(options);
    return {
      ...real,
      send: (records) => real.send(records),
      initTransactions: () => real.initTransactions(),
      close: () => real.close(),
      transaction: () => open(() => real.transaction()),
    };
  };
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

/**
 * Input for the counting tests: records spread round-robin over `keys`, remembering how
 * many each key got, so the expected counts never depend on what the app wrote.
 */
export class CountingInput {
  readonly expected = new Map<string, number>();
  private sent = 0;
  private readonly producer = createProducer({ brokers: brokers(), clientId: "counting-input" });

  constructor(
    readonly topic: string,
    readonly keys: readonly string[],
  ) {}

  get total(): number {
    return this.sent;
  }

  async produce(count: number): Promise<void> {
    const batch = [];
    for (let i = 0; i < count; i++, this.sent++) {
      const key = this.keys[this.sent % this.keys.length] as string;
      this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
      batch.push({ topic: this.topic, key: Buffer.from(key), value: Buffer.from(`v${this.sent}`) });
    }
    await this.producer.send(batch);
  }

  /** True once every key has at least its expected number of outputs. */
  reached = (outputs: Map<string, number[]>): boolean =>
    [...this.expected].every(([key, n]) => (outputs.get(key)?.length ?? 0) >= n);

  /** True once every key's latest output reached its count (the record cache folds the rest). */
  counted = (outputs: Map<string, number[]>): boolean =>
    [...this.expected].every(([key, n]) => (outputs.get(key)?.at(-1) ?? 0) >= n);

  close(): Promise<void> {
    return this.producer.close();
  }
}

/**
 * With the record cache on, a key's updates between two commits go out as one, so its
 * outputs skip counts; but they must still rise strictly and end at n: an interval
 * applied twice repeats or overshoots, one lost falls short.
 */
export function expectFinalCounts(
  outputs: Map<string, number[]>,
  expected: Map<string, number>,
): void {
  for (const [key, n] of expected) {
    const values = outputs.get(key) ?? [];
    expect(values.at(-1), key).toBe(n);
    const rising = values.every((v, i) => i === 0 || v > (values[i - 1] as number));
    expect(rising, `${key}: ${values.join(",")}`).toBe(true);
  }
}

/** Each key's outputs must read 1, 2, …, n: no repeat, no gap. */
export function expectExactCounts(
  outputs: Map<string, number[]>,
  expected: Map<string, number>,
): void {
  for (const [key, n] of expected) {
    expect(outputs.get(key), key).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  }
}
