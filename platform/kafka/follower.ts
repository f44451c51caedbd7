/**
 * Follows some topics without a consumer group: the one loop under the API's check state
 * (api/state/topic-view.ts), the live streams (api/live/follower.ts) and the sinks
 * (sinks/engine/sink.ts). It keeps a position per partition — from offset 0, from the end,
 * or from positions the caller stores itself (a sink's, in Postgres) — fetches
 * (read_committed), decodes the records the caller wants, hands each fetch to one batch
 * callback, and moves its positions only once that callback has returned. Emmett's split:
 * this is the consumer, the callers are its processors.
 *
 *   const follower = createFollower({ name, admin, fetcher: () => createFetcher(…), topics,
 *     from: "earliest", decode: { value: registry.decode, wanted: (r) => … },
 *     onBatch: async ({ records }) => { for (const r of records) … } });
 *   await follower.open();
 *   const ends = await follower.ends();
 *   while (!follower.reached(ends)) await follower.poll(100);   // read to the end now
 *   follower.run();                                           // then follow in the background
 *   await follower.catchUp(await follower.ends(), 10_000);    // true once there
 *   await follower.close();
 */
import type { KafkaAdmin } from "./admin.ts";
import type { Fetcher, FetchPosition } from "./fetcher.ts";
import type { InRecord } from "./types.ts";

/** `<topic>:<partition>`: how positions and end offsets are keyed. */
export const slotOf = (topic: string, partition: number) => `${topic}:${partition}`;

/** A fetched record as the batch callback gets it. */
export type FollowedRecord =
  /** Not picked for decoding (or no decoder): the record as fetched. */
  | { status: "raw"; record: InRecord }
  | { status: "decoded"; record: InRecord; value: unknown }
  /** Picked, but the decoder refused it: the caller decides (skip, dead-letter). */
  | { status: "undecodable"; record: InRecord; error: unknown };

export interface FollowedBatch {
  /** In fetch order: partition by partition, each in offset order. */
  records: FollowedRecord[];
  /** Where each partition that moved will stand once the callback returns. */
  next: FetchPosition[];
}

export interface FollowerOptions {
  /** Named in errors. */
  name: string;
  admin: KafkaAdmin;
  /** Made by open(), closed by close(). */
  fetcher: () => Fetcher;
  topics: readonly string[];
  /**
   * Where each partition starts: offset 0, its end at open(), or positions the caller
   * stores (slot → next offset; a partition it has none for starts at 0). Stored positions
   * are read again after a failure: the caller's commit may or may not have happened.
   */
  from: "earliest" | "latest" | (() => Promise<ReadonlyMap<string, bigint>>);
  /** The records `wanted` picks (tombstones never) are decoded before the batch callback. */
  decode?: {
    value(value: Buffer): Promise<unknown>;
    wanted(record: InRecord): boolean;
  };
  /** Each fetch that moved a position; the positions move once it resolves. */
  onBatch(batch: FollowedBatch): Promise<void> | void;
  /** How long one fetch of run() waits for new records (default 500 ms). */
  maxWaitMs?: number;
  /**
   * A failed fetch or batch while running (`attempt` 0, 1, … since the last success):
   * returns how long to wait before the next try. Default: 1 s.
   */
  onError?(error: unknown, attempt: number): number;
  /** The first success after `attempts` failures. */
  onRecovered?(attempts: number): void;
}

export interface FollowerStats {
  fetches: number;
  batches: number;
  running: boolean;
}

export interface Follower {
  readonly topics: readonly string[];
  /** Takes the start positions and makes the fetcher; fetches nothing. */
  open(): Promise<void>;
  /** One fetch and its batch; a failure is thrown (a start that must not hide it). */
  poll(maxWaitMs?: number): Promise<void>;
  /** Follows in the background until close(), retrying failures as onError says. */
  run(): void;
  /** The topics' read_committed end offsets now (slot → end). */
  ends(): Promise<Map<string, bigint>>;
  /** Whether every partition is at or past `ends`. */
  reached(ends: ReadonlyMap<string, bigint>): boolean;
  /** Resolves true once every partition is at or past `ends`, false after `timeoutMs`. */
  catchUp(ends: ReadonlyMap<string, bigint>, timeoutMs: number): Promise<boolean>;
  /** Where each partition stands (slot → next offset). */
  positions(): Map<string, bigint>;
  stats(): FollowerStats;
  /** Finishes the batch in flight, then stops and closes the fetcher. */
  close(): Promise<void>;
}

export function createFollower(options: FollowerOptions): Follower {
  const { admin, topics } = options;
  const waiters = new Set<() => void>();
  let positions: FetchPosition[] = [];
  let fetcher: Fetcher | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let fetches = 0;
  let batches = 0;

  const startPositions = async (): Promise<FetchPosition[]> => {
    const next: FetchPosition[] = [];
    if (options.from === "latest") {
      for (const topic of topics) {
        const ends = await admin.endOffsets(topic, "read_committed");
        ends.forEach((offset, partition) => {
          next.push({ topic, partition, offset });
        });
      }
      return next;
    }
    const stored = options.from === "earliest" ? new Map<string, bigint>() : await options.from();
    for (const topic of topics) {
      const count = await admin.partitionCount(topic);
      for (let partition = 0; partition < count; partition++) {
        next.push({ topic, partition, offset: stored.get(slotOf(topic, partition)) ?? 0n });
      }
    }
    return next;
  };

  const decoded = async (record: InRecord): Promise<FollowedRecord> => {
    const decode = options.decode;
    if (!decode || record.value === null || !decode.wanted(record))
      return { status: "raw", record };
    try {
      return { status: "decoded", record, value: await decode.value(record.value) };
    } catch (error) {
      return { status: "undecodable", record, error };
    }
  };

  const poll = async (maxWaitMs = options.maxWaitMs ?? 500) => {
    if (!fetcher) throw new Error(`${options.name}: poll before open`);
    const fetched = await fetcher.fetch(positions, { isolation: "read_committed", maxWaitMs });
    fetches += 1;
    const at = new Map(positions.map((p) => [slotOf(p.topic, p.partition), p]));
    const moved = fetched.filter(
      (p) => p.nextOffset > (at.get(slotOf(p.topic, p.partition))?.offset ?? p.nextOffset),
    );
    if (moved.length > 0) {
      const records: FollowedRecord[] = [];
      for (const part of moved)
        for (const record of part.records) records.push(await decoded(record));
      const next = moved.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        offset: p.nextOffset,
      }));
      await options.onBatch({ records, next });
      for (const p of next) {
        const position = at.get(slotOf(p.topic, p.partition));
        if (position) position.offset = p.offset;
      }
      batches += 1;
    }
    for (const wake of waiters) wake();
  };

  const follow = async () => {
    let attempt = 0;
    let reload = false;
    while (running) {
      try {
        // After a failure, the stored positions say whether the caller's commit happened.
        if (reload) positions = await startPositions();
        reload = false;
        await poll();
        if (attempt > 0) options.onRecovered?.(attempt);
        attempt = 0;
      } catch (error) {
        if (!running) return;
        const wait = options.onError?.(error, attempt) ?? 1_000;
        attempt += 1;
        reload = typeof options.from === "function";
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };

  const reached = (ends: ReadonlyMap<string, bigint>) =>
    positions.every((p) => p.offset >= (ends.get(slotOf(p.topic, p.partition)) ?? 0n));

  return {
    topics,
    async open() {
      positions = await startPositions();
      fetcher = options.fetcher();
    },
    poll: (maxWaitMs) => poll(maxWaitMs),
    run() {
      if (running) return;
      running = true;
      loop = follow();
    },
    async ends() {
      const ends = new Map<string, bigint>();
      const perTopic = await Promise.all(topics.map((t) => admin.endOffsets(t, "read_committed")));
      perTopic.forEach((offsets, i) => {
        offsets.forEach((offset, partition) => {
          ends.set(slotOf(topics[i] as string, partition), offset);
        });
      });
      return ends;
    },
    reached,
    catchUp(ends, timeoutMs) {
      if (reached(ends)) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve(false);
        }, timeoutMs);
        const check = () => {
          if (!reached(ends)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(true);
        };
        waiters.add(check);
      });
    },
    positions: () => new Map(positions.map((p) => [slotOf(p.topic, p.partition), p.offset])),
    stats: () => ({ fetches, batches, running }),
    async close() {
      running = false;
      await loop;
      loop = undefined;
      await fetcher?.close();
      fetcher = undefined;
    },
  };
}
