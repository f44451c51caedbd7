/**
 * One follower per process for the live routes: a single Fetcher reads every partition of
 * comment.comments and listening.track-play-counts from their end at start (no consumer
 * group, nothing committed), decodes each record with the registry and hands it to the
 * subscribers of its key (a post id, a track id). Started by the first subscriber, stopped
 * with the app.
 *
 *   const follower = createLiveFollower({ source: ctx.viewSource, topicPrefix });
 *   const off = await follower.subscribe("comments", [postId], (message) => …);
 *   off();                                      // on disconnect
 */
import type { FetchPosition, InRecord } from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import { CommentAdded, CommentDeleted, CommentEdited } from "../../schemas/generated/comment.ts";
import { TrackPlayCount } from "../../schemas/generated/listening.ts";
import { formatPosition } from "../read/positions.ts";
import type { ViewSource } from "../state/topic-view.ts";

export type LiveChannel = "comments" | "plays";

/** One server-sent event: its name, id (the record's position) and JSON data. */
export interface LiveMessage {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

export type LiveListener = (message: LiveMessage) => void;

export interface LiveFollowerOptions {
  source: ViewSource;
  topicPrefix?: string;
  /** How long one fetch waits for new records (default 500 ms). */
  maxWaitMs?: number;
}

export interface LiveStats {
  subscribers: number;
  keys: number;
  delivered: number;
  fetches: number;
  running: boolean;
}

export interface LiveFollower {
  /** Resolves once the follower has its start positions: records after that reach `listener`. */
  subscribe(
    channel: LiveChannel,
    keys: readonly string[],
    listener: LiveListener,
  ): Promise<() => void>;
  stats(): LiveStats;
  close(): Promise<void>;
}

const commentEvents: Record<string, string> = {
  [CommentAdded.name]: "comment.added",
  [CommentEdited.name]: "comment.edited",
  [CommentDeleted.name]: "comment.deleted",
};

export function createLiveFollower(options: LiveFollowerOptions): LiveFollower {
  const prefix = options.topicPrefix ?? "";
  const { admin, decode, log } = options.source;
  const topics: Record<LiveChannel, string> = {
    comments: `${prefix}${CommentAdded.topic}`,
    plays: `${prefix}${TrackPlayCount.topic}`,
  };
  const channelOf = new Map<string, LiveChannel>([
    [topics.comments, "comments"],
    [topics.plays, "plays"],
  ]);
  // channel → key → listeners
  const subscribers: Record<LiveChannel, Map<string, Set<LiveListener>>> = {
    comments: new Map(),
    plays: new Map(),
  };
  let subscriberCount = 0;
  let delivered = 0;
  let fetches = 0;
  let positions: FetchPosition[] = [];
  let starting: Promise<void> | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let fetcher: ReturnType<ViewSource["fetcher"]> | undefined;

  const deliver = (channel: LiveChannel, key: string, message: LiveMessage) => {
    const listeners = subscribers[channel].get(key);
    if (!listeners) return;
    for (const listener of listeners) {
      delivered += 1;
      try {
        listener(message);
      } catch (error) {
        log?.warn({ err: error }, "live listener failed");
      }
    }
  };

  const handle = async (record: InRecord) => {
    const channel = channelOf.get(record.topic);
    if (!channel) return;
    const id = formatPosition(record);
    if (channel === "plays") {
      // Keyed by track: nobody watching this track, nothing to decode.
      const trackId = record.key?.toString();
      if (!trackId || !subscribers.plays.has(trackId)) return;
      if (record.value === null) {
        deliver("plays", trackId, { event: "plays.removed", id, data: { trackId } });
        return;
      }
      const value = (await decodeOrSkip(record)) as TrackPlayCount | undefined;
      if (!value) return;
      deliver("plays", trackId, {
        event: "plays",
        id,
        data: { trackId, plays: Number(value.plays), at: iso(value.occurredAt) },
      });
      return;
    }
    // Comments are keyed by comment id; the post is in the value.
    if (subscribers.comments.size === 0 || record.value === null) return;
    const type = record.headers.get(eventHeaders.eventType)?.toString();
    const event = type ? commentEvents[type] : undefined;
    if (!event) return;
    const value = (await decodeOrSkip(record)) as
      | (CommentEdited & { parentCommentId?: string | null })
      | CommentDeleted
      | undefined;
    if (!value || !subscribers.comments.has(value.postId)) return;
    const data: Record<string, unknown> = {
      commentId: value.commentId,
      postId: value.postId,
      authorId: value.authorId,
      at: iso(value.occurredAt),
    };
    if ("body" in value) data.body = value.body;
    if ("parentCommentId" in value) data.parentCommentId = value.parentCommentId ?? null;
    deliver("comments", value.postId, { event, id, data });
  };

  const decodeOrSkip = async (record: InRecord) => {
    try {
      return await decode(record.value as Buffer);
    } catch (error) {
      log?.warn(
        { err: error, topic: record.topic, partition: record.partition, offset: record.offset },
        "live follower skipped a record it cannot decode",
      );
      return undefined;
    }
  };

  const fetchOnce = async () => {
    const fetched = await (fetcher as NonNullable<typeof fetcher>).fetch(positions, {
      isolation: "read_committed",
      maxWaitMs: options.maxWaitMs ?? 500,
    });
    fetches += 1;
    for (const part of fetched) {
      for (const record of part.records) await handle(record);
      const position = positions.find(
        (p) => p.topic === part.topic && p.partition === part.partition,
      );
      if (position && part.nextOffset > position.offset) position.offset = part.nextOffset;
    }
  };

  const follow = async () => {
    while (running) {
      try {
        await fetchOnce();
      } catch (error) {
        if (!running) return;
        log?.warn({ err: error }, "live follower fetch failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };

  const start = async () => {
    const next: FetchPosition[] = [];
    for (const topic of Object.values(topics)) {
      // From the current end: a live stream shows what happens from now on.
      const ends = await admin.endOffsets(topic, "read_committed");
      ends.forEach((offset, partition) => {
        next.push({ topic, partition, offset });
      });
    }
    positions = next;
    fetcher = options.source.fetcher(`vobe-api-live-${process.pid}`);
    running = true;
    loop = follow();
  };

  return {
    async subscribe(channel, keys, listener) {
      if (!starting) {
        starting = start();
        // A failed start is not kept: the next subscriber tries again.
        starting.catch(() => {
          starting = undefined;
        });
      }
      await starting;
      const unique = [...new Set(keys)];
      for (const key of unique) {
        const set = subscribers[channel].get(key) ?? new Set();
        set.add(listener);
        subscribers[channel].set(key, set);
      }
      subscriberCount += 1;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        subscriberCount -= 1;
        for (const key of unique) {
          const set = subscribers[channel].get(key);
          set?.delete(listener);
          if (set?.size === 0) subscribers[channel].delete(key);
        }
      };
    },
    stats: () => ({
      subscribers: subscriberCount,
      keys: subscribers.comments.size + subscribers.plays.size,
      delivered,
      fetches,
      running,
    }),
    async close() {
      running = false;
      await starting?.catch(() => {});
      await loop;
      await fetcher?.close();
      fetcher = undefined;
      starting = undefined;
    },
  };
}

const iso = (value: unknown) =>
  value instanceof Date ? value.toISOString() : value === undefined ? null : String(value);
