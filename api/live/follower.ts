/**
 * One follower per process for the live routes: the shared follower
 * (platform/kafka/follower.ts) reads every partition of comment.comments,
 * comment.track-moments and listening.track-play-counts from their end at start (no consumer group, nothing
 * committed), decodes the records somebody watches with the registry and hands each to the
 * subscribers of its key (a post id, a track id; a track id for moments). Started by the first subscriber, stopped
 * with the app.
 *
 *   const follower = createLiveFollower({ source: ctx.viewSource, topicPrefix });
 *   const off = await follower.subscribe("comments", [postId], (message) => …);
 *   off();                                      // on disconnect
 */
import { createFollower, type FollowedRecord, type InRecord } from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import {
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  TrackMomentDeleted,
  TrackMomentPosted,
} from "../../schemas/generated/comment.ts";
import { TrackPlayCount } from "../../schemas/generated/listening.ts";
import { formatPosition } from "../read/positions.ts";
import type { ViewSource } from "../state/topic-view.ts";
import { createLiveSubscribers } from "./subscribers.ts";

export type LiveChannel = "comments" | "plays" | "moments";

/** One server-sent event: its name, id (the record's position) and JSON data. */
export interface LiveMessage {
  event: string;
  id: string;
  data: Record<string, unknown>;
  /** The record's W3C traceparent: the message's span continues that trace. */
  traceparent?: Buffer;
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

const momentEvents: Record<string, string> = {
  [TrackMomentPosted.name]: "moment.posted",
  [TrackMomentDeleted.name]: "moment.deleted",
};

/** Where the live topics' records go: what is watched, and each message of a watched key. */
export interface LiveSink {
  /** Whether records of `channel` for `key` (for any key when absent) are worth decoding. */
  watching(channel: LiveChannel, key?: string): boolean;
  onMessage(channel: LiveChannel, key: string, message: LiveMessage): void;
}

export interface LiveTopicsOptions extends LiveFollowerOptions {
  sink: LiveSink;
  /** Start positions (slot → next offset; every partition); default each partition's end. */
  from?: () => Promise<ReadonlyMap<string, bigint>>;
  /** Names its fetcher's client (one process may follow twice: api/live/shared.ts). */
  name?: string;
}

/** The live topics followed from Kafka, each watched record turned into a message. */
export interface LiveTopics {
  start(): Promise<void>;
  /** Where each partition stands (slot → next offset): everything before it was handed on. */
  positions(): Map<string, bigint>;
  /** The follower's fetches and whether it runs. */
  stats(): { fetches: number; running: boolean };
  close(): Promise<void>;
}

/** The topic each live channel follows. */
export function liveTopicsOf(prefix: string): Record<LiveChannel, string> {
  return {
    comments: `${prefix}${CommentAdded.topic}`,
    plays: `${prefix}${TrackPlayCount.topic}`,
    moments: `${prefix}${TrackMomentPosted.topic}`,
  };
}

export function followLiveTopics(options: LiveTopicsOptions): LiveTopics {
  const { admin, decode, log } = options.source;
  const { sink } = options;
  const topics = liveTopicsOf(options.topicPrefix ?? "");

  const deliver = (channel: LiveChannel, key: string, message: LiveMessage, record: InRecord) => {
    const traceparent = record.headers.get(eventHeaders.traceparent);
    if (traceparent) message.traceparent = traceparent;
    sink.onMessage(channel, key, message);
  };

  const commentEventOf = (record: InRecord) => {
    const type = record.headers.get(eventHeaders.eventType)?.toString();
    return type ? commentEvents[type] : undefined;
  };

  const momentEventOf = (record: InRecord) => {
    const type = record.headers.get(eventHeaders.eventType)?.toString();
    return type ? momentEvents[type] : undefined;
  };

  // Nobody watching: nothing to decode. Play counts are keyed by track; comments by comment
  // id, their post is in the value; moments by moment id, their track in the value.
  const wanted = (record: InRecord) => {
    if (record.topic === topics.plays) return sink.watching("plays", record.key?.toString() ?? "");
    if (record.topic === topics.moments) {
      return sink.watching("moments") && momentEventOf(record) !== undefined;
    }
    return sink.watching("comments") && commentEventOf(record) !== undefined;
  };

  const handle = (followed: FollowedRecord) => {
    const { record } = followed;
    const id = formatPosition(record);
    if (followed.status === "undecodable") {
      const { topic, partition, offset } = record;
      log?.warn(
        { err: followed.error, topic, partition, offset },
        "live follower skipped a record it cannot decode",
      );
      return;
    }
    if (record.topic === topics.plays) {
      const trackId = record.key?.toString();
      if (!trackId || !sink.watching("plays", trackId)) return;
      if (record.value === null) {
        deliver("plays", trackId, { event: "plays.removed", id, data: { trackId } }, record);
        return;
      }
      if (followed.status !== "decoded") return;
      const value = followed.value as TrackPlayCount;
      deliver(
        "plays",
        trackId,
        {
          event: "plays",
          id,
          data: { trackId, plays: Number(value.plays), at: iso(value.occurredAt) },
        },
        record,
      );
      return;
    }
    if (record.topic === topics.moments) {
      const event = momentEventOf(record);
      if (followed.status !== "decoded" || !event) return;
      const value = followed.value as TrackMomentPosted | TrackMomentDeleted;
      if (!sink.watching("moments", value.trackId)) return;
      const data: Record<string, unknown> = {
        momentId: value.momentId,
        trackId: value.trackId,
        authorId: value.authorId,
        at: iso(value.occurredAt),
      };
      if ("body" in value) {
        data.body = value.body;
        data.atMs = Number(value.atMs);
      }
      deliver("moments", value.trackId, { event, id, data }, record);
      return;
    }
    const event = commentEventOf(record);
    if (followed.status !== "decoded" || !event) return;
    const value = followed.value as
      | (CommentEdited & { parentCommentId?: string | null })
      | CommentDeleted;
    if (!sink.watching("comments", value.postId)) return;
    const data: Record<string, unknown> = {
      commentId: value.commentId,
      postId: value.postId,
      authorId: value.authorId,
      at: iso(value.occurredAt),
    };
    if ("body" in value) data.body = value.body;
    if ("parentCommentId" in value) data.parentCommentId = value.parentCommentId ?? null;
    deliver("comments", value.postId, { event, id, data }, record);
  };

  const follower = createFollower({
    name: "live follower",
    admin,
    fetcher: () => options.source.fetcher(`vobe-api-live${options.name ?? ""}-${process.pid}`),
    topics: Object.values(topics),
    // From the current end: a live stream shows what happens from now on.
    from: options.from ?? "latest",
    decode: { value: decode, wanted },
    onBatch: ({ records }) => {
      for (const record of records) handle(record);
    },
    ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
    onError: (error) => {
      log?.warn({ err: error }, "live follower fetch failed; retrying");
      return 1_000;
    },
  });

  return {
    async start() {
      await follower.open();
      follower.run();
    },
    positions: () => follower.positions(),
    stats: () => {
      const { fetches, running } = follower.stats();
      return { fetches, running };
    },
    close: () => follower.close(),
  };
}

export function createLiveFollower(options: LiveFollowerOptions): LiveFollower {
  const subscribers = createLiveSubscribers(options.source.log);
  let starting: Promise<void> | undefined;
  const topics = followLiveTopics({ ...options, sink: subscribers });

  return {
    async subscribe(channel, keys, listener) {
      if (!starting) {
        starting = topics.start();
        // A failed start is not kept: the next subscriber tries again.
        starting.catch(() => {
          starting = undefined;
        });
      }
      await starting;
      const unique = [...new Set(keys)];
      subscribers.add(channel, unique, listener);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        subscribers.remove(channel, unique, listener);
      };
    },
    stats: () => {
      const { fetches, running } = topics.stats();
      return { ...subscribers.counts(), fetches, running };
    },
    async close() {
      await starting?.catch(() => {});
      await topics.close();
      starting = undefined;
    },
  };
}

const iso = (value: unknown) =>
  value instanceof Date ? value.toISOString() : value === undefined ? null : String(value);
