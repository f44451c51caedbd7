/**
 * A reference model of the sinks' views, computed from the topics as an analyst would:
 * read every record with a plain fetch, decode it with the registry, fold it with small
 * pure functions (create → row, update → changed row, delete → flagged row in Postgres,
 * gone from the search index; counts and joins from the final rows). Nothing here imports
 * the sinks: it states what the views should hold, so a test can compare the two whole.
 *
 *   const log = await readLog(endpoints, topicPrefix);      // every record of modelTopics
 *   const expected = postgresModel(log.records);            // view → table → rows
 *   const rows = await selectAll(pool, "t_1234_artist", "tracks");
 *   diffRows("artist.tracks", tableKeys["artist.tracks"], rows, expected.artist.tracks);  // lines
 */
import { createHash } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher, type FetchPosition } from "../../platform/kafka/index.ts";
import type { Pool } from "../../platform/postgres/pool.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { eventHeaders } from "../../producers/index.ts";
import type { EventType } from "../../schemas/event-type.ts";
import * as artist from "../../schemas/generated/artist.ts";
import * as auth from "../../schemas/generated/auth.ts";
import * as chat from "../../schemas/generated/chat.ts";
import * as comment from "../../schemas/generated/comment.ts";
import * as content from "../../schemas/generated/content.ts";
import * as feedback from "../../schemas/generated/feedback.ts";
import * as listening from "../../schemas/generated/listening.ts";
import { openSealedRecords } from "./test-accounts.ts";

export type Row = Record<string, unknown>;

/**
 * A model value that is not compared: what the model of the log cannot know (the offset of
 * a derived record, a processor's clock).
 */
export const anyValue: unique symbol = Symbol("any value");

/**
 * Model rows the view may lack altogether. A view fed by a topology's table sees what the
 * topology forwards, and a record cache forwards one record per key per commit: an entity
 * made and deleted within one commit reaches the view as the tombstone alone, which has
 * nothing to write a row from (views-property, seed -170642169: a post published and
 * deleted while the processors caught up on a backlog).
 */
export const mayBeAbsent = new WeakSet<Row>();
/** Rows by their key (diffRows keys them again by the table's key columns). */
export type Table = Map<string, Row>;

/** One record of the log, decoded; `topic` is the catalog's name, without the test's prefix. */
export interface LogRecord<T = unknown> {
  topic: string;
  partition: number;
  offset: number;
  /** The `event-type` header: the Avro record's full name. */
  type: string;
  event: T;
}

/** The topics the views are built from (docs/adr/010-sinks.md, "What the views keep"). */
export const modelTopics = [
  "auth.users",
  "artist.artists",
  "artist.albums",
  "artist.tracks",
  "content.posts",
  "comment.comments",
  "comment.track-moments",
  "feedback.feedback",
  "listening.plays",
  "listening.likes",
  "listening.playlists",
  "chat.messages",
] as const;

export interface Log {
  records: LogRecord[];
  /** read_committed end offsets, `<prefixed topic>/<partition>` → offset. */
  ends: Map<string, bigint>;
  /** Records with a null value: these topics carry none, so any is a finding. */
  tombstones: string[];
}

/** Every committed record of the topics, from offset 0 to their end offsets now. */
export async function readLog(
  endpoints: Endpoints,
  topicPrefix: string,
  topics: readonly string[] = modelTopics,
): Promise<Log> {
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-model" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-model" });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const ends = new Map<string, bigint>();
  const records: LogRecord[] = [];
  const tombstones: string[] = [];
  try {
    let positions: FetchPosition[] = [];
    for (const name of topics) {
      const topic = `${topicPrefix}${name}`;
      (await admin.endOffsets(topic, "read_committed")).forEach((end, partition) => {
        ends.set(`${topic}/${partition}`, end);
        if (end > 0n) positions.push({ topic, partition, offset: 0n });
      });
    }
    const endOf = (p: { topic: string; partition: number }) =>
      ends.get(`${p.topic}/${p.partition}`) ?? 0n;
    for (let idle = 0; positions.length > 0; ) {
      if (idle > 100) {
        const stuck = positions.map((p) => `${p.topic}/${p.partition}@${p.offset}`);
        throw new Error(`the log does not reach its end offsets: ${stuck.join(", ")}`);
      }
      const fetched = await fetcher.fetch(positions);
      let progressed = false;
      for (const part of fetched) {
        for (const record of part.records) {
          if (record.offset >= endOf(part)) continue;
          const at = `${part.topic}/${part.partition}@${record.offset}`;
          if (record.value === null) {
            tombstones.push(at);
            continue;
          }
          records.push({
            topic: part.topic.slice(topicPrefix.length),
            partition: part.partition,
            offset: Number(record.offset),
            type: record.headers.get(eventHeaders.eventType)?.toString() ?? `(no type at ${at})`,
            event: await registry.decode(record.value),
          });
        }
        const position = positions.find(
          (p) => p.topic === part.topic && p.partition === part.partition,
        );
        if (position && part.nextOffset > position.offset) {
          position.offset = part.nextOffset;
          progressed = true;
        }
      }
      idle = progressed ? 0 : idle + 1;
      positions = positions.filter((p) => p.offset < endOf(p));
    }
  } finally {
    await fetcher.close();
    await admin.close();
  }
  // The auth events' personal fields are sealed; the views hold them opened.
  await openSealedRecords(endpoints, records);
  // Per partition in offset order: each entity's events are in one partition, in order.
  records.sort((a, b) =>
    a.topic === b.topic
      ? a.partition - b.partition || a.offset - b.offset
      : a.topic.localeCompare(b.topic),
  );
  return { records, ends, tombstones };
}

const is = <T>(record: LogRecord, type: EventType<T>): record is LogRecord<T> =>
  record.type === type.name;

const iso = (date: Date): string => date.toISOString();

/** Changes an existing row; an event about a row that never existed changes nothing. */
function update(table: Table, key: string, changes: Row): void {
  const row = table.get(key);
  if (row) table.set(key, { ...row, ...changes });
}

/** The identity-claim digest: sha256 hex of the trimmed, lower-cased address. */
const emailSha256 = (email: string): string =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

// ---- auth: users, opened; an erased one has no row -------------------------------------

export function authUsers(log: readonly LogRecord[]): Table {
  const users: Table = new Map();
  for (const r of log) {
    if (is(r, auth.UserRegistered)) {
      const e = r.event;
      users.set(e.userId, {
        user_id: e.userId,
        username: e.username,
        email_sha256: emailSha256(e.email),
        display_name: e.displayName,
        role: e.role,
        bio: null,
        avatar_url: null,
        locale: null,
        erased: false,
        erased_reason: null,
        registered_at: iso(e.occurredAt),
        updated_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    } else if (is(r, auth.ProfileUpdated)) {
      const e = r.event;
      update(users, e.userId, {
        display_name: e.displayName,
        bio: e.bio,
        avatar_url: e.avatarUrl,
        locale: e.locale,
        updated_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    } else if (is(r, auth.UserErased)) {
      // An erased account has no row (docs/adr/019-erasure.md).
      users.delete(r.event.userId);
    }
  }
  return users;
}

// ---- artist: artists, albums, tracks; deleted ones keep their row, flagged -------------

export function artistTables(log: readonly LogRecord[]): {
  artists: Table;
  albums: Table;
  tracks: Table;
} {
  const artists: Table = new Map();
  const albums: Table = new Map();
  const tracks: Table = new Map();
  const created = (at: Date, offset: number) => ({
    deleted: false,
    takedown_reason: null,
    taken_down_at: null,
    created_at: iso(at),
    updated_at: iso(at),
    last_offset: offset,
  });
  const changed = (at: Date, offset: number) => ({ updated_at: iso(at), last_offset: offset });
  const deleted = (at: Date, offset: number) => ({ deleted: true, ...changed(at, offset) });
  // Moderation (docs/adr/021): a takedown's reason and time; a restore clears them.
  const moderated = (reason: string | null, at: Date | null, offset: number) => ({
    takedown_reason: reason,
    taken_down_at: at && iso(at),
    last_offset: offset,
  });
  // A track's audio (TrackAudioUploaded, docs/adr/023): none until uploaded.
  const noAudio = {
    audio_hash: null,
    audio_codec: null,
    audio_mime_type: null,
    audio_duration_ms: null,
    audio_size_bytes: null,
  };
  const artistFields = (e: artist.ArtistUpdated) => ({
    artist_id: e.artistId,
    name: e.name,
    country: e.country,
    genres: e.genres,
    bio: e.bio,
  });
  const albumFields = (e: artist.AlbumUpdated) => ({
    album_id: e.albumId,
    artist_id: e.artistId,
    title: e.title,
    release_date: e.releaseDate,
    genre: e.genre,
    cover_url: e.coverUrl,
  });
  const trackFields = (e: artist.TrackUpdated) => ({
    track_id: e.trackId,
    album_id: e.albumId,
    artist_id: e.artistId,
    title: e.title,
    duration_ms: e.durationMs,
    track_number: e.trackNumber,
    genre: e.genre,
    explicit: e.explicit,
  });
  for (const r of log) {
    const at = (r.event as { occurredAt: Date }).occurredAt;
    if (is(r, artist.ArtistCreated)) {
      artists.set(r.event.artistId, {
        ...artistFields(r.event),
        owner_user_id: r.event.ownerUserId,
        ...created(at, r.offset),
      });
    } else if (is(r, artist.ArtistUpdated)) {
      update(artists, r.event.artistId, { ...artistFields(r.event), ...changed(at, r.offset) });
    } else if (is(r, artist.ArtistDeleted)) {
      update(artists, r.event.artistId, deleted(at, r.offset));
    } else if (is(r, artist.AlbumCreated)) {
      albums.set(r.event.albumId, { ...albumFields(r.event), ...created(at, r.offset) });
    } else if (is(r, artist.AlbumUpdated)) {
      update(albums, r.event.albumId, { ...albumFields(r.event), ...changed(at, r.offset) });
    } else if (is(r, artist.AlbumDeleted)) {
      update(albums, r.event.albumId, deleted(at, r.offset));
    } else if (is(r, artist.TrackCreated)) {
      tracks.set(r.event.trackId, {
        ...trackFields(r.event),
        ...noAudio,
        ...created(at, r.offset),
      });
    } else if (is(r, artist.TrackUpdated)) {
      update(tracks, r.event.trackId, { ...trackFields(r.event), ...changed(at, r.offset) });
    } else if (is(r, artist.TrackDeleted)) {
      update(tracks, r.event.trackId, deleted(at, r.offset));
    } else if (is(r, artist.ArtistTakenDown)) {
      update(artists, r.event.artistId, moderated(r.event.reason, at, r.offset));
    } else if (is(r, artist.ArtistRestored)) {
      update(artists, r.event.artistId, moderated(null, null, r.offset));
    } else if (is(r, artist.AlbumTakenDown)) {
      update(albums, r.event.albumId, moderated(r.event.reason, at, r.offset));
    } else if (is(r, artist.AlbumRestored)) {
      update(albums, r.event.albumId, moderated(null, null, r.offset));
    } else if (is(r, artist.TrackTakenDown)) {
      update(tracks, r.event.trackId, moderated(r.event.reason, at, r.offset));
    } else if (is(r, artist.TrackRestored)) {
      update(tracks, r.event.trackId, moderated(null, null, r.offset));
    } else if (is(r, artist.TrackAudioUploaded)) {
      const e = r.event;
      update(tracks, e.trackId, {
        audio_hash: e.contentHash,
        audio_codec: e.codec,
        audio_mime_type: e.mimeType,
        audio_duration_ms: e.durationMs,
        audio_size_bytes: e.sizeBytes,
        ...changed(at, r.offset),
      });
    }
  }
  return { artists, albums, tracks };
}

// ---- content: posts --------------------------------------------------------------------

export function contentPosts(log: readonly LogRecord[]): Table {
  // The view holds what the post-details topology derives: each post with its artist's
  // current name and its comment count (comments added and not deleted).
  const artistNames = new Map<string, string | null>();
  const comments = new Map<string, number>();
  const commentPosts = new Map<string, string>();
  for (const r of log) {
    // An artist's first ArtistCreated makes it, updates rename it, a delete is final.
    if (is(r, artist.ArtistCreated)) {
      if (!artistNames.has(r.event.artistId)) artistNames.set(r.event.artistId, r.event.name);
    } else if (is(r, artist.ArtistUpdated)) {
      if (artistNames.get(r.event.artistId)) artistNames.set(r.event.artistId, r.event.name);
    } else if (is(r, artist.ArtistDeleted)) {
      artistNames.set(r.event.artistId, null);
    } else if (is(r, comment.CommentAdded)) {
      commentPosts.set(r.event.commentId, r.event.postId);
      comments.set(r.event.postId, (comments.get(r.event.postId) ?? 0) + 1);
    } else if (is(r, comment.CommentDeleted)) {
      const postId = commentPosts.get(r.event.commentId);
      if (postId !== undefined) {
        commentPosts.delete(r.event.commentId);
        comments.set(postId, (comments.get(postId) ?? 0) - 1);
      }
    }
  }
  const posts: Table = new Map();
  for (const r of log) {
    if (is(r, content.PostPublished)) {
      const e = r.event;
      posts.set(e.postId, {
        post_id: e.postId,
        author_id: e.authorId,
        artist_id: e.artistId,
        title: e.title,
        body: e.body,
        deleted: false,
        published_at: iso(e.occurredAt),
        edited_at: null,
        deleted_at: null,
      });
    } else if (is(r, content.PostEdited)) {
      const e = r.event;
      if (posts.get(e.postId)?.deleted === false) {
        update(posts, e.postId, { title: e.title, body: e.body, edited_at: iso(e.occurredAt) });
      }
    } else if (is(r, content.PostDeleted)) {
      // The tombstone's time is the processor's, not in the log.
      update(posts, r.event.postId, { deleted: true, deleted_at: anyValue });
    }
  }
  for (const post of posts.values()) {
    const artistId = post.artist_id as string | null;
    // The offset is the derived topic's. A deleted post keeps what the topology last
    // forwarded before the tombstone, which depends on how the processor interleaved it with
    // artist and comment changes, and on its record cache: edits in the same commit as the
    // deletion are never forwarded (views-property, seed 899281207: two edits and the
    // deletion within 650 ms, the view kept the first edit's text). The reads never show a
    // deleted post's text.
    post.last_offset = anyValue;
    if (post.deleted) {
      post.title = anyValue;
      post.body = anyValue;
      post.edited_at = anyValue;
    }
    post.artist_name = post.deleted
      ? anyValue
      : artistId === null
        ? null
        : (artistNames.get(artistId) ?? null);
    post.comment_count = post.deleted ? anyValue : (comments.get(post.post_id as string) ?? 0);
    if (post.deleted) mayBeAbsent.add(post);
  }
  return posts;
}

// ---- comment: comments -----------------------------------------------------------------

export function commentComments(log: readonly LogRecord[]): Table {
  const comments: Table = new Map();
  for (const r of log) {
    if (is(r, comment.CommentAdded)) {
      const e = r.event;
      comments.set(e.commentId, {
        comment_id: e.commentId,
        post_id: e.postId,
        author_id: e.authorId,
        parent_comment_id: e.parentCommentId,
        body: e.body,
        deleted: false,
        created_at: iso(e.occurredAt),
        edited_at: null,
        deleted_at: null,
        last_offset: r.offset,
      });
    } else if (is(r, comment.CommentEdited)) {
      const e = r.event;
      update(comments, e.commentId, {
        body: e.body,
        edited_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    } else if (is(r, comment.CommentDeleted)) {
      const e = r.event;
      update(comments, e.commentId, {
        deleted: true,
        deleted_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    }
  }
  return comments;
}

/** Moments (ADR-028): posted is a whole row (a resend rewrites it), deleted flags it. */
export function momentRows(log: readonly LogRecord[]): Table {
  const moments: Table = new Map();
  for (const r of log) {
    if (is(r, comment.TrackMomentPosted)) {
      const e = r.event;
      moments.set(e.momentId, {
        moment_id: e.momentId,
        track_id: e.trackId,
        author_id: e.authorId,
        at_ms: Number(e.atMs),
        body: e.body,
        deleted: false,
        created_at: iso(e.occurredAt),
        deleted_at: null,
        last_offset: r.offset,
      });
    } else if (is(r, comment.TrackMomentDeleted)) {
      const e = r.event;
      update(moments, e.momentId, {
        deleted: true,
        deleted_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    }
  }
  return moments;
}

// ---- feedback: items and their triage status -------------------------------------------

export function feedbackItems(log: readonly LogRecord[]): Table {
  const items: Table = new Map();
  for (const r of log) {
    if (is(r, feedback.FeedbackSubmitted)) {
      const e = r.event;
      items.set(e.feedbackId, {
        feedback_id: e.feedbackId,
        user_id: e.userId,
        category: e.category,
        message: e.message,
        page: e.page,
        status: "submitted",
        priority: null,
        assignee_id: null,
        triage_note: null,
        resolution: null,
        resolution_note: null,
        submitted_at: iso(e.occurredAt),
        updated_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    } else if (is(r, feedback.FeedbackTriaged)) {
      const e = r.event;
      update(items, e.feedbackId, {
        status: "triaged",
        priority: e.priority,
        assignee_id: e.assigneeId,
        triage_note: e.note,
        updated_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    } else if (is(r, feedback.FeedbackResolved)) {
      const e = r.event;
      update(items, e.feedbackId, {
        status: "resolved",
        resolution: e.resolution,
        resolution_note: e.note,
        updated_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    }
  }
  return items;
}

// ---- listening: every play once, the latest like per user and track, and what the
// processors derive: play totals, like counts, final hourly counts, the trending list ----

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** processors/topologies/plays-per-track.ts: tumbling hours, 5 minutes' grace. */
const hourly = { sizeMs: HOUR, advanceMs: HOUR, graceMs: 5 * MINUTE };
/** processors/topologies/trending-tracks.ts: 1 h hopping by 5 min, 1 minute's grace, top 10. */
const trendingWindows = { sizeMs: HOUR, advanceMs: 5 * MINUTE, graceMs: MINUTE };
const trendingSize = 10;

export function listeningTables(log: readonly LogRecord[]): Record<string, Table> {
  const plays: Table = new Map();
  const likes: Table = new Map();
  /** Distinct plays in log order per partition: what the processors count. */
  const byPartition = new Map<number, listening.TrackPlayed[]>();
  const likeEvents: LogRecord[] = [];
  for (const r of log) {
    if (is(r, listening.TrackPlayed)) {
      const e = r.event;
      if (plays.has(e.playId)) continue; // a play id counts once, its first record is kept
      plays.set(e.playId, {
        play_id: e.playId,
        track_id: e.trackId,
        user_id: e.userId,
        listened_ms: e.listenedMs,
        track_duration_ms: e.trackDurationMs,
        completed: e.completed,
        source: e.source,
        played_at: iso(e.occurredAt),
        partition: r.partition,
        offset: r.offset,
      });
      const list = byPartition.get(r.partition) ?? [];
      list.push(e);
      byPartition.set(r.partition, list);
    } else if (is(r, listening.TrackLiked) || is(r, listening.TrackUnliked)) {
      const e = r.event as listening.TrackLiked;
      likes.set(likeKey(e.trackId, e.userId), {
        track_id: e.trackId,
        user_id: e.userId,
        liked: is(r, listening.TrackLiked),
        updated_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
      likeEvents.push(r);
    }
  }
  const partitions = [...byPartition.values()];
  return {
    plays,
    likes,
    track_play_counts: trackPlayCounts(plays),
    track_like_counts: trackLikeCounts(likeEvents),
    user_likes: userLikes(likeEvents),
    track_plays_hourly: new Map(
      finalWindows(partitions, hourly).map((w) => [
        `${w.trackId}/${w.start}`,
        {
          track_id: w.trackId,
          window_start: iso(new Date(w.start)),
          window_end: iso(new Date(w.start + hourly.sizeMs)),
          plays: w.plays,
          last_offset: anyValue,
        },
      ]),
    ),
    trending: trendingList(finalWindows(partitions, trendingWindows)),
  };
}

const likeKey = (trackId: unknown, userId: unknown) => `${trackId}/${userId}`;

/** One row per track with a play: its distinct plays added up. */
function trackPlayCounts(plays: Table): Table {
  const counts: Table = new Map();
  for (const play of plays.values()) {
    const trackId = play.track_id as string;
    const c = (counts.get(trackId) ?? {
      track_id: trackId,
      plays: 0,
      completed_plays: 0,
      listened_ms: 0,
      last_played_at: null,
      last_offset: anyValue,
    }) as Row & { plays: number; completed_plays: number; listened_ms: number };
    c.plays += 1;
    c.completed_plays += play.completed ? 1 : 0;
    c.listened_ms += play.listened_ms as number;
    const at = play.played_at as string;
    if (c.last_played_at === null || at > (c.last_played_at as string)) c.last_played_at = at;
    counts.set(trackId, c);
  }
  return counts;
}

/** A row per track whose count ever changed (a like, or an unlike of a like), in log order. */
function trackLikeCounts(events: readonly LogRecord[]): Table {
  const liked = new Set<string>();
  const counts: Table = new Map();
  for (const r of events) {
    const e = r.event as listening.TrackLiked;
    const key = likeKey(e.trackId, e.userId);
    const like = is(r, listening.TrackLiked);
    if (liked.has(key) === like) continue;
    if (like) liked.add(key);
    else liked.delete(key);
    const likes = ((counts.get(e.trackId)?.likes as number | undefined) ?? 0) + (like ? 1 : -1);
    counts.set(e.trackId, { track_id: e.trackId, likes, last_offset: anyValue });
  }
  return counts;
}

/**
 * A row per (user, track) ever liked: liked since the like that started the current run (a
 * second like changes nothing); an unlike of a like keeps the row, not liked.
 */
function userLikes(events: readonly LogRecord[]): Table {
  const rows: Table = new Map();
  for (const r of events) {
    const e = r.event as listening.TrackLiked;
    const key = likeKey(e.userId, e.trackId);
    const like = is(r, listening.TrackLiked);
    if ((rows.get(key)?.liked === true) === like) continue;
    rows.set(key, {
      user_id: e.userId,
      track_id: e.trackId,
      liked: like,
      liked_at: like ? iso(e.occurredAt) : null,
      last_offset: anyValue,
    });
  }
  return rows;
}

interface FinalWindow {
  trackId: string;
  start: number;
  plays: number;
}

/**
 * The windows a processor has written as final: per partition (a task), plays in log order;
 * stream time is the highest play time so far; a play whose window has closed (stream time
 * >= end + grace) is dropped from it; a window is written once stream time reaches its
 * end + grace.
 */
function finalWindows(
  partitions: ReadonlyArray<readonly listening.TrackPlayed[]>,
  windows: { sizeMs: number; advanceMs: number; graceMs: number },
): FinalWindow[] {
  const out: FinalWindow[] = [];
  for (const partition of partitions) {
    let streamTime = -1;
    const counts = new Map<string, FinalWindow>();
    for (const play of partition) {
      const t = play.occurredAt.getTime();
      streamTime = Math.max(streamTime, t);
      const first = t - (t % windows.advanceMs) - windows.sizeMs + windows.advanceMs;
      for (let start = Math.max(0, first); start <= t; start += windows.advanceMs) {
        if (streamTime >= start + windows.sizeMs + windows.graceMs) continue;
        const key = `${play.trackId}/${start}`;
        const w = counts.get(key) ?? { trackId: play.trackId, start, plays: 0 };
        w.plays += 1;
        counts.set(key, w);
      }
    }
    for (const w of counts.values()) {
      if (streamTime >= w.start + windows.sizeMs + windows.graceMs) out.push(w);
    }
  }
  return out;
}

/** The list of the newest window any partition has written, most plays first (ties by id). */
function trendingList(counts: readonly FinalWindow[]): Table {
  if (counts.length === 0) return new Map();
  const newest = Math.max(...counts.map((w) => w.start));
  const tracks = counts
    .filter((w) => w.start === newest)
    .sort((a, b) => b.plays - a.plays || (a.trackId < b.trackId ? -1 : 1))
    .slice(0, trendingSize)
    .map((w) => ({ trackId: w.trackId, plays: w.plays }));
  return new Map([
    [
      "last-hour",
      {
        list: "last-hour",
        window_start: iso(new Date(newest)),
        window_end: iso(new Date(newest + trendingWindows.sizeMs)),
        tracks,
        last_offset: anyValue,
      },
    ],
  ]);
}

// ---- chat: messages, and conversations derived from them -------------------------------

export function chatTables(log: readonly LogRecord[]): { messages: Table; conversations: Table } {
  const messages: Table = new Map();
  for (const r of log) {
    if (is(r, chat.ChatMessageSent)) {
      const e = r.event;
      messages.set(e.messageId, {
        message_id: e.messageId,
        conversation_id: e.conversationId,
        kind: "user",
        user_id: e.userId,
        in_reply_to: null,
        text: e.text,
        model: null,
        prompt_tokens: null,
        completion_tokens: null,
        sent_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    } else if (is(r, chat.ChatReplyGenerated)) {
      const e = r.event;
      messages.set(e.messageId, {
        message_id: e.messageId,
        conversation_id: e.conversationId,
        kind: "reply",
        user_id: null,
        in_reply_to: e.inReplyTo,
        text: e.text,
        model: e.model,
        prompt_tokens: e.promptTokens,
        completion_tokens: e.completionTokens,
        sent_at: iso(e.occurredAt),
        last_offset: r.offset,
      });
    }
  }
  return { messages, conversations: conversations(messages) };
}

/** A conversation belongs to the user of its first message; replies have no user. */
function conversations(messages: Table): Table {
  const byConversation = new Map<string, Row[]>();
  for (const m of messages.values()) {
    const id = m.conversation_id as string;
    byConversation.set(id, [...(byConversation.get(id) ?? []), m]);
  }
  const out: Table = new Map();
  for (const [id, list] of byConversation) {
    const sent = list.map((m) => m.sent_at as string).sort();
    const first = [...list]
      .filter((m) => m.user_id !== null)
      .sort((a, b) => (a.sent_at as string).localeCompare(b.sent_at as string))[0];
    out.set(id, {
      conversation_id: id,
      user_id: first?.user_id ?? null,
      started_at: sent[0],
      last_message_at: sent[sent.length - 1],
      messages: list.length,
    });
  }
  return out;
}

// ---- every Postgres view ---------------------------------------------------------------

/** view → table → rows, for every table (and SQL view) of every Postgres view's stable schema. */
export function postgresModel(log: readonly LogRecord[]): Record<string, Record<string, Table>> {
  return {
    auth: { users: authUsers(log) },
    artist: artistTables(log),
    content: { posts: contentPosts(log) },
    comment: { comments: commentComments(log) },
    moments: { track_moments: momentRows(log) },
    feedback: { items: feedbackItems(log) },
    listening: listeningTables(log),
    playlists: { playlists: playlistRows(log) },
    chat: chatTables(log),
  };
}

/**
 * Playlists as their events leave them, in log order per playlist: entries by entry id (a
 * known id is not added again), positions clamped to the list, deleted is final (the row
 * stays, flagged); events of a playlist never created change nothing.
 */
function playlistRows(log: readonly LogRecord[]): Table {
  const rows: Table = new Map();
  type Entry = { entryId: string; trackId: string; addedAt: string };
  const place = (list: Entry[], position: number | null, entry: Entry) => {
    const at = position === null ? list.length : Math.max(0, Math.min(position, list.length));
    list.splice(at, 0, entry);
  };
  for (const r of log) {
    if (r.topic !== "listening.playlists") continue;
    const e = r.event as listening.PlaylistCreated;
    const row = rows.get(e.playlistId);
    if (is(r, listening.PlaylistCreated)) {
      if (row) continue;
      rows.set(e.playlistId, {
        playlist_id: e.playlistId,
        owner_id: e.ownerId,
        name: e.name,
        visibility: e.visibility,
        entries: [],
        track_count: 0,
        created_at: iso(e.occurredAt),
        updated_at: iso(e.occurredAt),
        deleted: false,
        last_offset: anyValue,
      });
      continue;
    }
    if (!row || row.deleted) continue;
    const entries = row.entries as Entry[];
    // What the fold applies moves updated_at; what it ignores does not; a delete keeps it.
    let applied = true;
    if (is(r, listening.PlaylistDeleted)) row.deleted = true;
    else if (is(r, listening.PlaylistRenamed)) row.name = r.event.name;
    else if (is(r, listening.PlaylistVisibilityChanged)) row.visibility = r.event.visibility;
    else if (is(r, listening.PlaylistTrackAdded)) {
      const { entryId, trackId, position } = r.event;
      applied = !entries.some((x) => x.entryId === entryId) && entries.length < 500;
      if (applied) place(entries, position, { entryId, trackId, addedAt: iso(r.event.occurredAt) });
    } else if (is(r, listening.PlaylistTrackMoved) || is(r, listening.PlaylistTrackRemoved)) {
      const index = entries.findIndex((x) => x.entryId === r.event.entryId);
      applied = index >= 0;
      if (applied) {
        const [entry] = entries.splice(index, 1);
        if (is(r, listening.PlaylistTrackMoved)) place(entries, r.event.position, entry as Entry);
      }
    } else applied = false;
    row.track_count = entries.length;
    if (applied && !row.deleted) row.updated_at = iso(e.occurredAt);
  }
  // The view is fed by playlist-snapshots, whose record cache forwards one record per
  // playlist per commit: what changed in the deletion's commit (or the whole playlist, made
  // and deleted in one) never reaches it, as with posts. The reads never show a deleted one.
  for (const row of rows.values()) {
    if (!row.deleted) continue;
    for (const column of Object.keys(row)) {
      if (column !== "playlist_id" && column !== "deleted") row[column] = anyValue;
    }
    mayBeAbsent.add(row);
  }
  return rows;
}

/** The key columns of each table, in the order keyOf joins them. */
export const tableKeys: Record<string, readonly string[]> = {
  "auth.users": ["user_id"],
  "artist.artists": ["artist_id"],
  "artist.albums": ["album_id"],
  "artist.tracks": ["track_id"],
  "content.posts": ["post_id"],
  "comment.comments": ["comment_id"],
  "moments.track_moments": ["moment_id"],
  "feedback.items": ["feedback_id"],
  "listening.plays": ["play_id"],
  "listening.likes": ["track_id", "user_id"],
  "listening.track_play_counts": ["track_id"],
  "listening.track_like_counts": ["track_id"],
  "listening.user_likes": ["user_id", "track_id"],
  "listening.track_plays_hourly": ["track_id", "window_start"],
  "listening.trending": ["list"],
  "playlists.playlists": ["playlist_id"],
  "chat.messages": ["message_id"],
  "chat.conversations": ["conversation_id"],
};

export const keyOf = (columns: readonly string[], row: Row): string =>
  columns.map((c) => String(row[c])).join("/");

// ---- the search indices: documents of what exists now ----------------------------------

export type SearchDocuments = Record<"tracks" | "artists" | "albums" | "posts", Table>;

/**
 * A document per artist, album, track and post that is not deleted, as the processors'
 * joins make them: a track needs its album and its artist (inner joins, track-documents),
 * an album its artist (album-documents); a post shows its artist's name while the artist
 * exists and counts its comments that are not deleted (post-details).
 */
export function searchModel(log: readonly LogRecord[]): SearchDocuments {
  const { artists, albums, tracks } = artistTables(log);
  const posts = contentPosts(log);
  const comments = commentComments(log);
  const live = (table: Table) => new Map([...table].filter(([, row]) => row.deleted === false));
  const liveArtists = live(artists);
  const liveAlbums = live(albums);
  const documents = (table: Table, document: (row: Row) => Row | undefined): Table =>
    new Map(
      [...live(table)].flatMap(([id, row]) => {
        const doc = document(row);
        return doc ? [[id, doc] as const] : [];
      }),
    );
  const commentsOf = new Map<unknown, number>();
  for (const c of live(comments).values()) {
    commentsOf.set(c.post_id, (commentsOf.get(c.post_id) ?? 0) + 1);
  }
  return {
    artists: documents(artists, (a) => ({
      artist_id: a.artist_id,
      name: a.name,
      country: a.country,
      genres: a.genres,
      bio: a.bio,
      suggest: { input: [a.name] },
    })),
    albums: documents(albums, (a) => {
      const artist = liveArtists.get(a.artist_id as string);
      return (
        artist && {
          album_id: a.album_id,
          title: a.title,
          artist_id: a.artist_id,
          artist_name: artist.name,
          genre: a.genre,
          release_date: a.release_date,
          suggest: { input: [a.title] },
        }
      );
    }),
    tracks: documents(tracks, (t) => {
      const album = liveAlbums.get(t.album_id as string);
      const artist = liveArtists.get(t.artist_id as string);
      return (
        album &&
        artist && {
          track_id: t.track_id,
          title: t.title,
          track_number: t.track_number,
          duration_ms: t.duration_ms,
          explicit: t.explicit,
          genre: t.genre,
          genres: [...new Set([t.genre, album.genre, ...(artist.genres as string[])])],
          album_id: t.album_id,
          album_title: album.title,
          release_date: album.release_date,
          artist_id: t.artist_id,
          artist_name: artist.name,
          artist_country: artist.country,
          suggest: { input: [t.title] },
        }
      );
    }),
    posts: documents(posts, (p) => ({
      post_id: p.post_id,
      author_id: p.author_id,
      artist_id: p.artist_id,
      artist_name:
        p.artist_id === null ? null : (liveArtists.get(p.artist_id as string)?.name ?? null),
      title: p.title,
      body: p.body,
      published_at: p.published_at,
      comments: commentsOf.get(p.post_id) ?? 0,
    })),
  };
}

// ---- reading the views, and comparing ---------------------------------------------------

const pgTypes = { int8: 20, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

/** A calendar date as node-pg parses it (local midnight), back to "YYYY-MM-DD". */
const calendarDate = (d: Date): string =>
  `${String(d.getFullYear()).padStart(4, "0")}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

/** Every row of a table or SQL view, with times as ISO strings and 64-bit integers as numbers. */
export async function selectAll(pool: Pool, schema: string, table: string): Promise<Row[]> {
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  const result = await pool.query(`select * from ${quote(schema)}.${quote(table)}`);
  const types = new Map(result.fields.map((f) => [f.name, f.dataTypeID]));
  return result.rows.map((row: Row) =>
    Object.fromEntries(
      Object.entries(row).map(([column, value]) => {
        if (value === null) return [column, null];
        switch (types.get(column)) {
          case pgTypes.int8:
            return [column, Number(value)];
          case pgTypes.date:
            return [column, calendarDate(value as Date)];
          case pgTypes.timestamp:
          case pgTypes.timestamptz:
            return [column, (value as Date).toISOString()];
          default:
            return [column, value];
        }
      }),
    ),
  );
}

const show = (value: unknown): string => JSON.stringify(value) ?? "undefined";

/**
 * What differs between the rows a view holds and the model's, one line per missing row,
 * extra row or differing column, e.g.
 *   artist.tracks 6f0c…: title: view "Jóga" ≠ model "Hunter"
 */
export function diffRows(
  name: string,
  columns: readonly string[],
  actual: readonly Row[],
  expected: Table,
): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  const byKey = new Map([...expected.values()].map((row) => [keyOf(columns, row), row]));
  for (const row of actual) {
    const key = keyOf(columns, row);
    if (seen.has(key)) lines.push(`${name} ${key}: twice in the view`);
    seen.add(key);
    const model = byKey.get(key);
    if (!model) {
      lines.push(`${name} ${key}: in the view, not in the model: ${show(row)}`);
      continue;
    }
    for (const column of new Set([...Object.keys(row), ...Object.keys(model)])) {
      if (model[column] === anyValue) continue;
      if (!isDeepStrictEqual(row[column], model[column])) {
        lines.push(
          `${name} ${key}: ${column}: view ${show(row[column])} ≠ model ${show(model[column])}`,
        );
      }
    }
  }
  for (const [key, model] of byKey) {
    if (!seen.has(key) && !mayBeAbsent.has(model)) {
      lines.push(`${name} ${key}: in the model, not in the view: ${show(model)}`);
    }
  }
  return lines;
}
