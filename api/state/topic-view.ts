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
 * The write path checks commands against these views, over the compacted topics the
 * processors write (derived-view.ts, docs/adr/009-write-path-checks.md). The fetch loop is
 * the shared follower (platform/kafka/follower.ts).
 */
import {
  createFollower,
  type Fetcher,
  type FollowedRecord,
  type InRecord,
  type KafkaAdmin,
  type RecordPosition,
  slotOf,
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
  const reducers = new Map<string, Reducer<S, unknown>>();
  const typeOf = (record: InRecord) => record.headers.get(eventHeaders.eventType)?.toString();

  const apply = (followed: FollowedRecord) => {
    const { record } = followed;
    if (record.value === null) {
      if (record.key) options.onTombstone?.(options.initial, record.key.toString(), record);
      return;
    }
    if (followed.status === "undecodable") {
      // One undecodable record must not stop the view; it is logged and skipped.
      const { topic, partition, offset } = record;
      log?.warn(
        { err: followed.error, topic, partition, offset },
        `${options.name} view skipped a record it cannot decode`,
      );
      return;
    }
    if (followed.status !== "decoded") return;
    reducers.get(typeOf(record) ?? "")?.(options.initial, followed.value, record);
  };

  const follower = createFollower({
    name: `${options.name} view`,
    admin,
    fetcher: () => options.source.fetcher(`vobe-api-view-${options.name}`),
    topics: options.topics,
    from: "earliest",
    // Only the types a reducer is registered for are decoded.
    decode: { value: decode, wanted: (record) => reducers.has(typeOf(record) ?? "") },
    onBatch: ({ records }) => {
      for (const record of records) apply(record);
    },
    onError: (error) => {
      log?.warn({ err: error }, `${options.name} view fetch failed; retrying`);
      return 1_000;
    },
  });

  // Every command catches up first: under load the end-offset lookups are shared.
  const endOffsets = coalesced(() => follower.ends());

  const view: TopicView<S> = {
    name: options.name,
    state: options.initial,
    on(type, reduce) {
      reducers.set(type.name, reduce as Reducer<S, unknown>);
      return view;
    },
    async start() {
      await follower.open();
      const ends = await endOffsets();
      while (!follower.reached(ends)) await follower.poll(100);
      follower.run();
    },
    async catchUp({ past = [], timeoutMs = 10_000 } = {}) {
      const ends = new Map(await endOffsets());
      for (const p of past) {
        const slot = slotOf(p.topic, p.partition);
        if (p.offset + 1n > (ends.get(slot) ?? 0n)) ends.set(slot, p.offset + 1n);
      }
      if (await follower.catchUp(ends, timeoutMs)) return;
      throw unavailable("view_behind", `the ${options.name} view is behind the log; retry`);
    },
    close: () => follower.close(),
  };
  return view;
}
