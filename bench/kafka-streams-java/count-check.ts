// Follows a count topology's output topic (read_committed, from offset 0, no group) and
// says when the latest count of every key equals the expected count. A count above the
// expected one, or a key that was never produced, fails the run: the bench times only
// correct work.
import { setTimeout as sleep } from "node:timers/promises";
import { createFetcher, type FetchPosition } from "../../platform/kafka/index.ts";

export class Miscount extends Error {}

export interface CountCheck {
  /** Resolves with performance.now() when every key's latest count is the expected one. */
  readonly correct: Promise<number>;
  /** Output records read so far (committed ones only). */
  readonly records: () => number;
  /** Keys whose latest count is not the expected one yet. */
  readonly wrong: () => number;
  /**
   * Stops following after reading up to `ends` (the output's end offsets once the app
   * has stopped) and checks again: a late record must not have changed any count.
   */
  finish(ends: readonly bigint[]): Promise<void>;
  close(): Promise<void>;
}

export function followCounts(options: {
  brokers: string[];
  topic: string;
  partitions: number;
  expected: ReadonlyMap<string, number>;
  clientId: string;
}): CountCheck {
  const { expected } = options;
  const fetcher = createFetcher({ brokers: options.brokers, clientId: options.clientId });
  const positions: FetchPosition[] = Array.from({ length: options.partitions }, (_, p) => ({
    topic: options.topic,
    partition: p,
    offset: 0n,
  }));
  const latest = new Map<string, number>();
  let wrong = expected.size;
  let records = 0;
  let following = true;
  let failure: Error | undefined;
  let onCorrect: (at: number) => void = () => {};
  let onFailure: (error: Error) => void = () => {};
  const correct = new Promise<number>((resolve, reject) => {
    onCorrect = resolve;
    onFailure = reject;
  });
  // Handled by whoever awaits it; never an unhandled rejection on its own.
  correct.catch(() => {});

  const apply = (key: string, count: number) => {
    const want = expected.get(key);
    if (want === undefined) throw new Miscount(`${options.topic}: key ${key} was never produced`);
    if (count > want) throw new Miscount(`${options.topic}: ${key} counted ${count}, has ${want}`);
    const was = latest.get(key) === want;
    latest.set(key, count);
    const now = count === want;
    if (was !== now) wrong += now ? -1 : 1;
  };

  const readOnce = async () => {
    const fetched = await fetcher.fetch(positions, { maxWaitMs: 50 });
    for (const f of fetched) {
      for (const r of f.records) {
        if (!r.key || !r.value || r.value.length !== 8)
          throw new Miscount(`${options.topic}: a record without a key or an 8-byte count`);
        apply(r.key.toString("utf8"), Number(r.value.readBigInt64BE(0)));
      }
      records += f.records.length;
      const position = positions[f.partition];
      if (position) position.offset = f.nextOffset;
    }
  };

  const loop = (async () => {
    try {
      while (following) {
        await readOnce();
        if (wrong === 0) onCorrect(performance.now());
      }
    } catch (error) {
      failure = error as Error;
      onFailure(failure);
    }
  })();

  return {
    correct,
    records: () => records,
    wrong: () => wrong,
    async finish(ends) {
      following = false;
      await loop;
      if (failure) throw failure;
      const deadline = performance.now() + 30_000;
      while (positions.some((p) => p.offset < (ends[p.partition] ?? 0n))) {
        if (performance.now() > deadline)
          throw new Error(`${options.topic}: could not read up to its end offsets in 30 s`);
        await readOnce();
        await sleep(0);
      }
      if (wrong !== 0)
        throw new Miscount(
          `${options.topic}: ${wrong} of ${expected.size} keys end with a count other than their plays`,
        );
    },
    async close() {
      following = false;
      await loop;
      await fetcher.close();
    },
  };
}
