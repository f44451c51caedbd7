/**
 * The views' contract: what the sinks promise and the read side relies on, in one place
 * that imports nothing of the sinks' machinery. For each view, the database it lives in and
 * the event types (so the topics) it reads; where a reader finds it (the stable schema
 * `<schemaPrefix><view>`, its `sink_offsets` table); and the channel on which a sink
 * announces that a view moved. The sinks' view definitions take their database and events
 * from here; the read API (api/read/views.ts) learns the same from here.
 *
 *   const { database, events } = viewContracts.content;
 *   const schema = stableSchema("content", placement.schemaPrefix);   // "content"
 */

import type { EventType } from "../schemas/event-type.ts";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumRestored,
  AlbumTakenDown,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistRestored,
  ArtistTakenDown,
  ArtistUpdated,
  TrackAudioUploaded,
  TrackCreated,
  TrackDeleted,
  TrackRestored,
  TrackTakenDown,
  TrackUpdated,
} from "../schemas/generated/artist.ts";
import { ProfileUpdated, UserErased, UserRegistered } from "../schemas/generated/auth.ts";
import { ChatMessageSent, ChatReplyGenerated } from "../schemas/generated/chat.ts";
import {
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  TrackMomentDeleted,
  TrackMomentPosted,
} from "../schemas/generated/comment.ts";
import { PostDetail } from "../schemas/generated/content.ts";
import {
  FeedbackResolved,
  FeedbackSubmitted,
  FeedbackTriaged,
} from "../schemas/generated/feedback.ts";
import {
  PlaylistSnapshot,
  TrackLikeCount,
  TrackLiked,
  TrackPlayCount,
  TrackPlayed,
  TrackPlaysHourly,
  TrackUnliked,
  TrendingTracks,
  UserTrackLike,
} from "../schemas/generated/listening.ts";
import { searchEvents } from "./search/contract.ts";

export interface ViewContract {
  /** The Postgres database (one per service) holding the view's versions and positions. */
  readonly database: string;
  /** The event types it reads, unprefixed; the sink reads every partition of their topics. */
  readonly events: readonly EventType<unknown>[];
}

export const viewContracts = {
  auth: { database: "auth", events: [UserRegistered, ProfileUpdated, UserErased] },
  artist: {
    database: "artist",
    events: [
      ArtistCreated,
      ArtistUpdated,
      ArtistDeleted,
      AlbumCreated,
      AlbumUpdated,
      AlbumDeleted,
      TrackCreated,
      TrackUpdated,
      TrackDeleted,
      TrackAudioUploaded,
      ArtistTakenDown,
      ArtistRestored,
      AlbumTakenDown,
      AlbumRestored,
      TrackTakenDown,
      TrackRestored,
    ],
  },
  // Each post with its artist's name and comment count, as the post-details topology has it.
  content: { database: "content", events: [PostDetail] },
  comment: { database: "comment", events: [CommentAdded, CommentEdited, CommentDeleted] },
  // Moments by track (ADR-028): their own view in the comment database, each event one row.
  moments: { database: "comment", events: [TrackMomentPosted, TrackMomentDeleted] },
  feedback: {
    database: "feedback",
    events: [FeedbackSubmitted, FeedbackTriaged, FeedbackResolved],
  },
  // Plays and likes as rows (history); every count from the listening topologies.
  listening: {
    database: "listening",
    events: [
      TrackPlayed,
      TrackLiked,
      TrackUnliked,
      TrackPlayCount,
      TrackLikeCount,
      TrackPlaysHourly,
      TrendingTracks,
      UserTrackLike,
    ],
  },
  // Playlists as they are now (vobe-playlist-snapshots): the listening service's, in its
  // database, as a view of their own so that adding them rebuilt nothing (ADR-027).
  playlists: { database: "listening", events: [PlaylistSnapshot] },
  chat: { database: "chat", events: [ChatMessageSent, ChatReplyGenerated] },
  // The documents of the search indices (sinks/search/contract.ts has their names).
  search: { database: "search", events: searchEvents },
} as const satisfies Record<string, ViewContract>;

export type ViewName = keyof typeof viewContracts;

export const viewNames = Object.keys(viewContracts) as ViewName[];

/** A Postgres identifier, quoted. */
export const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

/** The schema readers query: it always shows the live version (docs/adr/010-sinks.md). */
export const stableSchema = (view: string, schemaPrefix = ""): string => `${schemaPrefix}${view}`;

/** Per topic and partition, the next offset a view will apply; in the stable schema. */
export const positionsTable = "sink_offsets";

/**
 * The Postgres channel on which a sink announces, at each commit, that the view named in
 * the payload (its stable schema) moved its positions.
 */
export const positionsChannel = "vobe_view_positions";
