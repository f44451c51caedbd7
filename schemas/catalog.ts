/**
 * Topics as code: every topic of the event log, who owns it, who may read it, how long it
 * is kept, and which event types it carries. `vobe topics apply` makes Kafka and the
 * registry match this list; docs/events.md is rendered from it.
 *
 * Keys are plain UTF-8 strings of the entity id, not Avro: ksqlDB reads them as
 * KEY_FORMAT='KAFKA', an analyst's console consumer shows them as they are, and Java's
 * default partitioner hashes the same bytes as platform/kafka/partitioner.ts, so every
 * client puts an entity's events in the same partition.
 */
import type { CompatibilityLevel } from "../platform/registry/confluent-api.ts";
import { replicationFor } from "../stack/config.ts";
import type { EventType } from "./event-type.ts";
import {
  AccountSnapshot,
  AlbumCreated,
  AlbumDeleted,
  AlbumDocument,
  AlbumRestored,
  AlbumSnapshot,
  AlbumTakenDown,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistRestored,
  ArtistSnapshot,
  ArtistTakenDown,
  ArtistUpdated,
  ChatMessageSent,
  ChatReplyDelta,
  ChatReplyGenerated,
  ChatUsageRecorded,
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  CommentSnapshot,
  ConversationOwner,
  CredentialSet,
  FeedbackResolved,
  FeedbackStatus,
  FeedbackSubmitted,
  FeedbackTriaged,
  IdentityClaimed,
  IdentityOwner,
  IdentityReleased,
  LoginFailed,
  LoginSucceeded,
  OperatorActionTaken,
  PlaylistCreated,
  PlaylistDeleted,
  PlaylistRenamed,
  PlaylistSnapshot,
  PlaylistTrackAdded,
  PlaylistTrackMoved,
  PlaylistTrackRemoved,
  PlaylistVisibilityChanged,
  PostCommentCount,
  PostDeleted,
  PostDetail,
  PostEdited,
  PostPublished,
  PostSnapshot,
  ProfileUpdated,
  TrackAudioUploaded,
  TrackCreated,
  TrackDeleted,
  TrackDocument,
  TrackLikeCount,
  TrackLiked,
  TrackMomentDeleted,
  TrackMomentPosted,
  TrackMomentSnapshot,
  TrackPlayCount,
  TrackPlayed,
  TrackPlaysHourly,
  TrackRestored,
  TrackSnapshot,
  TrackTakenDown,
  TrackUnliked,
  TrackUpdated,
  TrendingTracks,
  UserErased,
  UserRegistered,
  UserTrackLike,
  ViewCommandIssued,
} from "./generated/index.ts";

export type Service =
  | "auth"
  | "artist"
  | "content"
  | "comment"
  | "feedback"
  | "listening"
  | "chat"
  | "search"
  /** The operator tooling (the vobe CLI): it writes only its audit trail. */
  | "ops";
/** Services that consume a topic, and "analysts" (people with read access to the log). */
export type Reader = Service | "analysts";

export interface TopicEntry {
  readonly name: string;
  readonly owner: Service;
  /** What the topic is, for the analysts' catalog. */
  readonly doc: string;
  readonly partitions: number;
  readonly cleanupPolicy: "delete" | "compact";
  /** -1: kept forever. */
  readonly retentionMs: number;
  /** For compacted topics: how long a superseded value or a tombstone may survive at most. */
  readonly maxCompactionLagMs?: number;
  /** For compacted topics: how long consumers still see a tombstone after compaction. */
  readonly deleteRetentionMs?: number;
  readonly key: { readonly format: "string"; readonly doc: string };
  readonly events: readonly EventType<unknown>[];
  /** True when a record with a null value (a tombstone) deletes its key. */
  readonly tombstones: boolean;
  readonly readers: readonly Reader[];
  /** Restricted topics hold secrets: analysts get no read access. */
  readonly restricted: boolean;
  /** The registry's compatibility level for every event subject of this topic. */
  readonly compatibility: CompatibilityLevel;
  /**
   * Written by a processor from other topics: a view of the log, rebuildable from it, not
   * part of the system of record. Derived tables may be compacted.
   */
  readonly derived: boolean;
  /**
   * For a derived topic: the topology that writes it (its application id is
   * `vobe-<topology>`, processors/apps/) and the topics it reads. Read-your-writes follows
   * this to wait on a derived view for a position of one of its inputs (docs/adr/018).
   */
  readonly derivedFrom?: { readonly topology: string; readonly inputs: readonly string[] };
}

const forever = -1;
const day = 86_400_000;
const uuidKey = (entity: string) => ({
  format: "string" as const,
  doc: `The ${entity}'s id (a UUID) as UTF-8 text: every event of one ${entity} is in one partition, in order.`,
});

/** A system-of-record topic: events kept forever, nothing a view rebuild needs is deleted. */
const log = {
  cleanupPolicy: "delete",
  retentionMs: forever,
  tombstones: false,
  restricted: false,
  compatibility: "BACKWARD_TRANSITIVE",
  derived: false,
} as const;

/** Derived facts (one record per closed window): kept like the log they come from. */
const derivedLog = { ...log, derived: true } as const;

/**
 * A table of derived state: only the latest value per key matters, so it is compacted;
 * a tombstone (null value) deletes the key.
 */
const derived = {
  ...log,
  derived: true,
  cleanupPolicy: "compact",
  tombstones: true,
  maxCompactionLagMs: day,
  deleteRetentionMs: day,
} as const;

export const catalog: readonly TopicEntry[] = [
  {
    ...log,
    name: "auth.users",
    owner: "auth",
    doc: "Accounts: sign-ups, profile changes and erasures.",
    partitions: 3,
    key: uuidKey("user"),
    events: [UserRegistered, ProfileUpdated, UserErased],
    readers: ["auth", "content", "comment", "chat", "search", "analysts"],
  },
  {
    name: "auth.credentials",
    owner: "auth",
    doc: "Password hashes, the latest per user. Restricted: only the auth service reads it.",
    partitions: 3,
    // Compacted, not kept forever: only the current hash matters, and an erased user's
    // hash must really disappear (the tombstone removes it at the next compaction).
    cleanupPolicy: "compact",
    retentionMs: forever,
    maxCompactionLagMs: day,
    deleteRetentionMs: day,
    key: uuidKey("user"),
    events: [CredentialSet],
    tombstones: true,
    readers: ["auth"],
    restricted: true,
    compatibility: "BACKWARD_TRANSITIVE",
    derived: false,
  },
  {
    ...log,
    name: "auth.logins",
    owner: "auth",
    doc: "Sign-in attempts, successful and refused.",
    partitions: 3,
    key: uuidKey("user"),
    events: [LoginSucceeded, LoginFailed],
    readers: ["auth", "analysts"],
  },
  {
    ...log,
    name: "auth.identity-claims",
    owner: "auth",
    doc: "Claims of unique e-mail addresses and usernames. The first claim of a key wins; never compacted, so the winner can always be recomputed.",
    partitions: 3,
    key: {
      format: "string",
      doc: 'The claimed identity: "email:<sha256 hex of the lower-cased e-mail>" or "username:<lower-cased username>". Every claim of one identity is in one partition, in order.',
    },
    events: [IdentityClaimed, IdentityReleased],
    readers: ["auth", "analysts"],
    // Uniqueness is decided by replaying this topic with old and new code side by side
    // during a deploy, so both directions must keep working.
    compatibility: "FULL",
  },
  {
    ...log,
    name: "artist.artists",
    owner: "artist",
    doc: "Artists in the catalog.",
    partitions: 3,
    key: uuidKey("artist"),
    events: [ArtistCreated, ArtistUpdated, ArtistDeleted, ArtistTakenDown, ArtistRestored],
    readers: ["artist", "content", "search", "analysts"],
  },
  {
    ...log,
    name: "artist.albums",
    owner: "artist",
    doc: "Albums in the catalog.",
    partitions: 3,
    key: uuidKey("album"),
    events: [AlbumCreated, AlbumUpdated, AlbumDeleted, AlbumTakenDown, AlbumRestored],
    readers: ["artist", "search", "analysts"],
  },
  {
    ...log,
    name: "artist.tracks",
    owner: "artist",
    doc: "Tracks in the catalog.",
    partitions: 3,
    key: uuidKey("track"),
    events: [
      TrackCreated,
      TrackUpdated,
      TrackDeleted,
      TrackAudioUploaded,
      TrackTakenDown,
      TrackRestored,
    ],
    readers: ["artist", "listening", "search", "analysts"],
  },
  {
    ...log,
    name: "content.posts",
    owner: "content",
    doc: "Posts by users and artists.",
    partitions: 3,
    key: uuidKey("post"),
    events: [PostPublished, PostEdited, PostDeleted],
    readers: ["content", "comment", "search", "analysts"],
  },
  {
    ...log,
    name: "comment.comments",
    owner: "comment",
    doc: "Comments on posts, and replies to comments.",
    partitions: 3,
    key: uuidKey("comment"),
    events: [CommentAdded, CommentEdited, CommentDeleted],
    readers: ["comment", "content", "analysts"],
  },
  {
    ...log,
    name: "comment.track-moments",
    owner: "comment",
    doc: "Moments: comments on a track at a point of it, shown along the player's progress bar (ADR-028).",
    partitions: 3,
    key: uuidKey("moment"),
    events: [TrackMomentPosted, TrackMomentDeleted],
    readers: ["comment", "analysts"],
  },
  {
    ...log,
    name: "feedback.feedback",
    owner: "feedback",
    doc: "Feedback about the platform and its triage.",
    partitions: 3,
    key: uuidKey("feedback item"),
    events: [FeedbackSubmitted, FeedbackTriaged, FeedbackResolved],
    readers: ["feedback", "analysts"],
  },
  {
    ...log,
    name: "ops.audit",
    owner: "ops",
    doc: "Every action an operator took on the running platform (view rebuilds, swaps, rollbacks and drops, streams application resets, dead letters replayed or skipped), who took it and why. Written by the vobe CLI.",
    partitions: 3,
    key: {
      format: "string",
      doc: "What the action was done to (a view, a topology, or a dead letter as `<topic>:<partition>:<offset>`) as UTF-8 text: every action on one target is in order.",
    },
    events: [OperatorActionTaken],
    readers: ["analysts"],
  },
  {
    ...log,
    name: "ops.view-commands",
    owner: "ops",
    doc: "Rebuild, swap and rollback commands for the views, posted from the operator console (docs/adr/029): the API writes them, the sinks process follows them, runs each once and writes its outcome to ops.audit. Kept a week: a command older than ten minutes when first read is refused, not run.",
    partitions: 1,
    retentionMs: 7 * 24 * 60 * 60 * 1000,
    key: {
      format: "string",
      doc: "The view the command is for, as UTF-8 text.",
    },
    events: [ViewCommandIssued],
    readers: [],
  },
  {
    ...log,
    name: "listening.plays",
    owner: "listening",
    doc: "Every play of a track: the highest-volume topic.",
    partitions: 6,
    key: uuidKey("track"),
    events: [TrackPlayed],
    readers: ["listening", "search", "analysts"],
  },
  {
    ...log,
    name: "listening.likes",
    owner: "listening",
    doc: "Likes of tracks, and their withdrawal.",
    partitions: 6,
    key: uuidKey("track"),
    events: [TrackLiked, TrackUnliked],
    readers: ["listening", "search", "analysts"],
  },
  {
    ...log,
    name: "listening.playlists",
    owner: "listening",
    doc: "Listeners' playlists: created, renamed, tracks added, moved and removed, made public or private, deleted (docs/adr/027-playlists.md).",
    partitions: 6,
    key: uuidKey("playlist"),
    events: [
      PlaylistCreated,
      PlaylistRenamed,
      PlaylistTrackAdded,
      PlaylistTrackMoved,
      PlaylistTrackRemoved,
      PlaylistVisibilityChanged,
      PlaylistDeleted,
    ],
    readers: ["listening", "analysts"],
  },
  {
    ...log,
    name: "chat.messages",
    owner: "chat",
    doc: "Conversations with the AI music guide: users' messages and the guide's replies.",
    partitions: 3,
    key: uuidKey("conversation"),
    events: [ChatMessageSent, ChatReplyGenerated],
    readers: ["chat", "analysts"],
  },
  {
    ...log,
    name: "chat.usage",
    owner: "chat",
    doc: "What each reply of the AI guide cost (tokens, time, outcome), keyed by user: for analysts and the guide's per-user budgets. Written by the guide worker (guide/) in the reply's transaction.",
    partitions: 3,
    retentionMs: 90 * day,
    key: uuidKey("user"),
    events: [ChatUsageRecorded],
    readers: ["chat", "analysts"],
  },
  {
    ...log,
    name: "chat.reply-stream",
    owner: "chat",
    doc: "Pieces of the AI guide's replies while they are written, for the web app's live view. Ephemeral (a day): the record of a reply is ChatReplyGenerated on chat.messages. Holds what users asked about: only the chat service reads it.",
    partitions: 3,
    retentionMs: day,
    key: uuidKey("conversation"),
    events: [ChatReplyDelta],
    readers: ["chat"],
  },

  // ---- Derived state: written by the processors (processors/topologies/), never by a
  // command. A record is the latest value of its key and a tombstone deletes the key.
  // Kept forever with cleanup.policy=delete, like the system of record, for now:
  // Every record
  // still carries the envelope; for derived state eventId is a name-based id of the
  // content, occurredAt the event time of the input that changed it, actor the system.
  {
    ...derived,
    name: "listening.track-play-counts",
    owner: "listening",
    doc: "Plays per track, all time (each play id once: plays, completed plays, time listened, last played): the latest record per track is its current value. Derived from listening.plays by vobe-plays-per-track.",
    partitions: 6,
    key: uuidKey("track"),
    events: [TrackPlayCount],
    readers: ["listening", "search", "analysts"],
    derivedFrom: { topology: "plays-per-track", inputs: ["listening.plays"] },
  },
  {
    ...derived,
    name: "listening.track-like-counts",
    owner: "listening",
    doc: "Listeners who like each track now (their latest like event is a like): the latest record per track is its current count. Derived from listening.likes by vobe-track-like-counts.",
    partitions: 6,
    key: uuidKey("track"),
    events: [TrackLikeCount],
    readers: ["listening", "analysts"],
    derivedFrom: { topology: "track-like-counts", inputs: ["listening.likes"] },
  },
  {
    ...derived,
    name: "listening.user-likes",
    owner: "listening",
    doc: "Who likes which track now, and since when (the first like of the current run: a second like changes nothing); a withdrawn like is a tombstone. Derived from listening.likes by vobe-track-like-counts.",
    partitions: 6,
    key: {
      format: "string",
      doc: '"<trackId>/<userId>": one key per listener and track; the latest record (or tombstone) is whether the listener likes the track now.',
    },
    events: [UserTrackLike],
    readers: ["listening", "analysts"],
    derivedFrom: { topology: "track-like-counts", inputs: ["listening.likes"] },
  },
  {
    ...derivedLog,
    name: "listening.track-plays-hourly",
    owner: "listening",
    doc: "Plays per track and clock hour, one final record per track and hour (5 minutes after the hour, later plays are not counted). Derived from listening.plays by vobe-plays-per-track.",
    partitions: 6,
    key: uuidKey("track"),
    events: [TrackPlaysHourly],
    readers: ["listening", "analysts"],
    derivedFrom: { topology: "plays-per-track", inputs: ["listening.plays"] },
  },
  {
    ...derived,
    name: "listening.trending",
    owner: "listening",
    doc: "The 10 most played tracks of the last hour, refreshed every 5 minutes. Derived from listening.plays by vobe-trending-tracks.",
    partitions: 6,
    key: {
      format: "string",
      doc: 'Which list: "last-hour" (the only one so far). The latest record of the key is the current list.',
    },
    events: [TrendingTracks],
    readers: ["listening", "analysts"],
    derivedFrom: { topology: "trending-tracks", inputs: ["listening.plays"] },
  },
  {
    ...derived,
    name: "comment.post-comment-counts",
    owner: "comment",
    doc: "Comments per post: the latest record per post is its current count (its comments that exist now). Derived from comment.comment-snapshots by vobe-post-comment-counts.",
    partitions: 3,
    key: uuidKey("post"),
    events: [PostCommentCount],
    readers: ["comment", "content", "analysts"],
    derivedFrom: { topology: "post-comment-counts", inputs: ["comment.comment-snapshots"] },
  },
  {
    ...derived,
    name: "content.post-details",
    owner: "content",
    doc: "Posts with their artist and comment count, as the post detail page shows them. Derived from content.post-snapshots, artist.artist-snapshots and comment.post-comment-counts by vobe-post-details.",
    partitions: 3,
    key: uuidKey("post"),
    events: [PostDetail],
    readers: ["content", "search", "analysts"],
    derivedFrom: {
      topology: "post-details",
      inputs: ["content.post-snapshots", "artist.artist-snapshots", "comment.post-comment-counts"],
    },
  },
  {
    ...derived,
    name: "search.track-documents",
    owner: "search",
    doc: "Search documents of tracks: each track with its album and artist. Derived from artist.track-snapshots, artist.album-snapshots and artist.artist-snapshots by vobe-track-documents.",
    partitions: 3,
    key: uuidKey("track"),
    events: [TrackDocument],
    readers: ["search", "analysts"],
    derivedFrom: {
      topology: "track-documents",
      inputs: ["artist.track-snapshots", "artist.album-snapshots", "artist.artist-snapshots"],
    },
  },
  {
    ...derived,
    name: "search.album-documents",
    owner: "search",
    doc: "Search documents of albums: each album with its artist's name. Derived from artist.album-snapshots and artist.artist-snapshots by vobe-album-documents.",
    partitions: 3,
    key: uuidKey("album"),
    events: [AlbumDocument],
    readers: ["search", "analysts"],
    derivedFrom: {
      topology: "album-documents",
      inputs: ["artist.album-snapshots", "artist.artist-snapshots"],
    },
  },
  {
    ...derived,
    name: "auth.identity-owners",
    owner: "auth",
    doc: "Who holds each unique identity (e-mail address or username) now: the first unreleased claim whose claimant registered within the claim window (or is still signing up), until released or erased. Derived from auth.identity-claims and auth.users by vobe-identity-owners; the write API's sign-up reads its answer here.",
    partitions: 3,
    key: {
      format: "string",
      doc: "The claimed identity, as in auth.identity-claims; a released identity is a tombstone.",
    },
    events: [IdentityOwner],
    readers: ["auth", "analysts"],
    derivedFrom: { topology: "identity-owners", inputs: ["auth.identity-claims", "auth.users"] },
  },
  {
    ...derived,
    name: "auth.account-snapshots",
    owner: "auth",
    doc: "Each account as it is now (registration with the latest profile; an erased account is a tombstone, so its e-mail leaves this topic at the next compaction): what the write API's login and profile checks read. Derived from auth.users by vobe-account-snapshots. Restricted: it holds e-mail addresses.",
    partitions: 3,
    key: uuidKey("user"),
    events: [AccountSnapshot],
    readers: ["auth"],
    restricted: true,
    derivedFrom: { topology: "account-snapshots", inputs: ["auth.users"] },
  },
  ...(["artist", "album", "track"] as const).map(
    (entity): TopicEntry => ({
      ...derived,
      name: `artist.${entity}-snapshots`,
      owner: "artist",
      doc: `The latest state of each ${entity} that exists (a deleted one is a tombstone): what the write API checks existence and ownership against, and what the search documents and post details are joined from. Derived from artist.${entity}s by vobe-catalog-snapshots.`,
      partitions: 3,
      key: uuidKey(entity),
      events: [{ artist: ArtistSnapshot, album: AlbumSnapshot, track: TrackSnapshot }[entity]],
      // The search view indexes artists as they exist; the search documents join all three
      // (vobe-track-documents, vobe-album-documents), the post details the artists.
      readers:
        entity === "artist"
          ? ["artist", "search", "content", "analysts"]
          : ["artist", "search", "analysts"],
      derivedFrom: { topology: "catalog-snapshots", inputs: [`artist.${entity}s`] },
    }),
  ),
  {
    ...derived,
    name: "content.post-snapshots",
    owner: "content",
    doc: "The latest state of each post that exists (a deleted one is a tombstone): what the write API checks authorship and commented posts against, and what vobe-post-details joins. Derived from content.posts by vobe-content-snapshots.",
    partitions: 3,
    key: uuidKey("post"),
    events: [PostSnapshot],
    readers: ["content", "comment", "analysts"],
    derivedFrom: { topology: "content-snapshots", inputs: ["content.posts"] },
  },
  {
    ...derived,
    name: "comment.comment-snapshots",
    owner: "comment",
    doc: "The latest state of each comment that exists (a deleted one is a tombstone): what the write API checks authorship and replies against, and what vobe-post-comment-counts counts. Derived from comment.comments by vobe-content-snapshots.",
    partitions: 3,
    key: uuidKey("comment"),
    events: [CommentSnapshot],
    readers: ["comment", "analysts"],
    derivedFrom: { topology: "content-snapshots", inputs: ["comment.comments"] },
  },
  {
    ...derived,
    name: "comment.track-moment-snapshots",
    owner: "comment",
    doc: "The latest state of each moment that exists (a deleted one is a tombstone): what the write API checks a deletion's author against. Derived from comment.track-moments by vobe-moment-snapshots.",
    partitions: 3,
    key: uuidKey("moment"),
    events: [TrackMomentSnapshot],
    readers: ["comment", "analysts"],
    derivedFrom: { topology: "moment-snapshots", inputs: ["comment.track-moments"] },
  },
  {
    ...derived,
    name: "listening.playlist-snapshots",
    owner: "listening",
    doc: "Each playlist as it is now (owner, name, visibility, entries in order; a deleted one is a tombstone): what the listening view's playlists and the write API's owner checks read. Derived from listening.playlists by vobe-playlist-snapshots.",
    partitions: 6,
    key: uuidKey("playlist"),
    events: [PlaylistSnapshot],
    readers: ["listening", "analysts"],
    derivedFrom: { topology: "playlist-snapshots", inputs: ["listening.playlists"] },
  },
  {
    ...derived,
    name: "feedback.feedback-status",
    owner: "feedback",
    doc: "Where each feedback item is in triage now (open, triaged, resolved): what the write API checks a triage or a resolution against. Derived from feedback.feedback by vobe-service-snapshots.",
    partitions: 3,
    key: uuidKey("feedback item"),
    events: [FeedbackStatus],
    readers: ["feedback", "analysts"],
    derivedFrom: { topology: "service-snapshots", inputs: ["feedback.feedback"] },
  },
  {
    ...derived,
    name: "chat.conversation-owners",
    owner: "chat",
    doc: "Who each chat conversation belongs to (whoever sent its first message): what the write API checks a message against. Derived from chat.messages by vobe-service-snapshots.",
    partitions: 3,
    key: uuidKey("conversation"),
    events: [ConversationOwner],
    readers: ["chat", "analysts"],
    derivedFrom: { topology: "service-snapshots", inputs: ["chat.messages"] },
  },
];

/**
 * The Kafka configs of a topic. min.insync.replicas follows the replication factor: 1 on
 * the single-node native stack (anything more refuses every acks=all write), 2 from RF 3.
 */
export function topicConfigs(entry: TopicEntry, replicationFactor: number): Record<string, string> {
  const configs: Record<string, string> = {
    "cleanup.policy": entry.cleanupPolicy,
    "retention.ms": String(entry.retentionMs),
    "retention.bytes": "-1",
    "min.insync.replicas": String(replicationFor(replicationFactor).minInsyncReplicas),
    // Event time is the producer's (occurredAt); the broker must not overwrite it.
    "message.timestamp.type": "CreateTime",
  };
  if (entry.maxCompactionLagMs !== undefined) {
    configs["max.compaction.lag.ms"] = String(entry.maxCompactionLagMs);
  }
  if (entry.deleteRetentionMs !== undefined) {
    configs["delete.retention.ms"] = String(entry.deleteRetentionMs);
  }
  return configs;
}

/**
 * A copy of the catalog whose topics (and so whose subjects) carry a prefix: tests apply
 * it to the real broker and registry without touching the real topics.
 */
export function prefixedCatalog(prefix: string, entries = catalog): TopicEntry[] {
  return entries.map((entry) => ({
    ...entry,
    name: `${prefix}${entry.name}`,
    events: entry.events.map((e) => ({ ...e, topic: `${prefix}${e.topic}` })),
  }));
}
