/**
 * A small in-process materialized view of some topics: reads them from offset 0
 * (read_committed), decodes each record with the registry, applies the reducer registered
 * for its `event-type` header, and keeps following in the background.
 *
 *   const view = createTopicView({ name: "posts", topics: [types.PostPublished.topic], source, initial: new Map() })
 *     .on(types.PostPublished, (posts, e) => posts.set(e.postId, e));
 *   await view.start();
 *   await view.catchUp();          // every event committed before this call is applied
 *   view.state.get(postId);
 *
 * The write path checks commands against these views (docs/adr/009-write-path-checks.md).
 * The streams engine (issue 4) will provide the same tables as interactive queries; this
 * class is the stop-gap with the same contract: derived from the topics only.
 */
import type {
  Fetcher,
  FetchPosition,
  InRecord,
  KafkaAdmin,
  RecordPosition,
} from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { unavailable } from "../http/errors.ts";
import { coalesced } from "./coalesce.ts";

export type Reducer<S, T> = (state: S, event: T, record: InRecord) => void;

export interface TopicViewOptions<S> {
  name: string;
  topics: readonly string[];
  initial: S;
  source: ViewSource;
  /** A record with no value deletes its key (compacted topics). */
  onTombstone?: (state: S, key: string, record: InRecord) => void;
}

/** What every view reads with: shared admin and decoder, a fetcher of its own. */
export interface ViewSource {
  admin: KafkaAdmin;
  fetcher(clientId: string): Fetcher;
  /** Avro (Confluent wire format) to a value: the registry's decode. */
  decode(value: Buffer): Promise<unknown>;
  log?: { warn(obj: object, msg: string): void };
}

export interface TopicView<S> {
  readonly name: string;
  readonly state: S;
  on<T>(type: EventType<T>, reduce: Reducer<S, T>): TopicView<S>;
  /** Reads to the current end once, then follows in the background. */
  start(): Promise<void>;
  /**
   * Resolves once every record committed before the call is applied, and the records at
   * `past` too: right after a transaction commits, its markers may not be written yet, so
   * the end offsets alone can still be before the caller's own records.
   */
  catchUp(options?: { past?: readonly RecordPosition[]; timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export function createTopicView<S>(options: TopicViewOptions<S>): TopicView<S> {
  const { admin, decode, log } = options.source;
  const fetcher = options.source.fetcher(`vobe-api-view-${options.name}`);
  const reducers = new Map<string, Reducer<S, unknown>>();
  const positions: FetchPosition[] = [];
  const waiters = new Set<() => void>();
  let running = false;
  let loop: Promise<void> | undefined;

  const applyRecord = async (record: InRecord) => {
    if (record.value === null) {
      if (record.key) options.onTombstone?.(options.initial, record.key.toString(), record);
      return;
    }
    const type = record.headers.get(eventHeaders.eventType)?.toString();
    const reduce = type ? reducers.get(type) : undefined;
    if (!reduce) return;
    let event: unknown;
    try {
      event = await decode(record.value);
    } catch (error) {
      // One undecodable record must not stop the view; it is logged and skipped.
      log?.warn(
        { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
        `${options.name} view skipped a record it cannot decode`,
      );
      return;
    }
    reduce(options.initial, event, record);
  };

  const fetchOnce = async (maxWaitMs: number) => {
    const fetched = await fetcher.fetch(positions, {
      isolation: "read_committed",
      maxWaitMs,
    });
    for (const part of fetched) {
      for (const record of part.records) await applyRecord(record);
      const position = positions.find(
        (p) => p.topic === part.topic && p.partition === part.partition,
      );
      if (position && part.nextOffset > position.offset) position.offset = part.nextOffset;
    }
    for (const wake of waiters) wake();
  };

  const reached = (ends: Map<string, bigint>) =>
    positions.every((p) => p.offset >= (ends.get(`${p.topic}/${p.partition}`) ?? 0n));

  const lookUpEnds = async () => {
    const ends = new Map<string, bigint>();
    const perTopic = await Promise.all(
      options.topics.map((topic) => admin.endOffsets(topic, "read_committed")),
    );
    perTopic.forEach((offsets, i) => {
      offsets.forEach((offset, partition) => {
        ends.set(`${options.topics[i]}/${partition}`, offset);
      });
    });
    return ends;
  };

  // Every command catches up first: under load the end-offset lookups are shared.
  const endOffsets = coalesced(lookUpEnds);

  const follow = async () => {
    while (running) {
      try {
        await fetchOnce(500);
      } catch (error) {
        if (!running) return;
        log?.warn({ err: error }, `${options.name} view fetch failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };

  const view: TopicView<S> = {
    name: options.name,
    state: options.initial,
    on(type, reduce) {
      reducers.set(type.name, reduce as Reducer<S, unknown>);
      return view;
    },
    async start() {
      for (const topic of options.topics) {
        const count = await admin.partitionCount(topic);
        for (let partition = 0; partition < count; partition++) {
          positions.push({ topic, partition, offset: 0n });
        }
      }
      const ends = await endOffsets();
      while (!reached(ends)) await fetchOnce(100);
      running = true;
      loop = follow();
    },
    async catchUp({ past = [], timeoutMs = 10_000 } = {}) {
      const ends = await endOffsets();
      for (const p of past) {
        const slot = `${p.topic}/${p.partition}`;
        if (p.offset + 1n > (ends.get(slot) ?? 0n)) ends.set(slot, p.offset + 1n);
      }
      if (reached(ends)) return;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(unavailable("view_behind", `the ${options.name} view is behind the log; retry`));
        }, timeoutMs);
        const check = () => {
          if (!reached(ends)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      running = false;
      await loop;
      await fetcher.close();
    },
  };
  return view;
}
