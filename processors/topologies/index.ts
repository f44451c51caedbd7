/**
 * The music topologies, by name. Each one is a function of its options (the Avro serdes,
 * whose prefix is the topics' prefix) that returns a Topology; `reads`/`writes` are the
 * event types the application's serdes must know.
 */
import type { EventType } from "../../schemas/event-type.ts";
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
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  CommentSnapshot,
  ConversationOwner,
  FeedbackResolved,
  FeedbackStatus,
  FeedbackSubmitted,
  FeedbackTriaged,
  IdentityClaimed,
  IdentityOwner,
  IdentityReleased,
  PlaylistSnapshot,
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
} from "../../schemas/generated/index.ts";
import type { Topology } from "../engine/index.ts";
import { accountSnapshotsTopology } from "./account-snapshots.ts";
import { albumDocumentsTopology } from "./album-documents.ts";
import { catalogSnapshotsTopology } from "./catalog-snapshots.ts";
import type { TopologyOptions } from "./common.ts";
import { contentSnapshotsTopology } from "./content-snapshots.ts";
import { identityOwnersTopology } from "./identity-owners.ts";
import { momentSnapshotsTopology } from "./moment-snapshots.ts";
import { playlistEvents, playlistSnapshotsTopology } from "./playlist-snapshots.ts";
import { playsPerTrackTopology } from "./plays-per-track.ts";
import { postCommentCountsTopology } from "./post-comment-counts.ts";
import { postDetailsTopology } from "./post-details.ts";
import { serviceSnapshotsTopology } from "./service-snapshots.ts";
import { trackDocumentsTopology } from "./track-documents.ts";
import { trackLikeCountsTopology } from "./track-like-counts.ts";
import { trendingTopology } from "./trending-tracks.ts";

export interface TopologyDefinition {
  readonly description: string;
  readonly build: (options: TopologyOptions) => Topology;
  readonly reads: readonly EventType<unknown>[];
  readonly writes: readonly EventType<unknown>[];
}

export const topologies = {
  "plays-per-track": {
    description: "plays per track (each play id once), all time and per hour (final, 5 min grace)",
    build: playsPerTrackTopology,
    reads: [TrackPlayed],
    writes: [TrackPlayCount, TrackPlaysHourly],
  },
  "trending-tracks": {
    description: "the 10 most played tracks of the last hour, every 5 minutes",
    build: trendingTopology,
    reads: [TrackPlayed],
    writes: [TrendingTracks],
  },
  "track-like-counts": {
    description:
      "listeners who like each track now (their latest like event), and who likes what since when",
    build: trackLikeCountsTopology,
    reads: [TrackLiked, TrackUnliked],
    writes: [TrackLikeCount, UserTrackLike],
  },
  "post-comment-counts": {
    description: "comments per post: comments that exist now (their snapshots), per post",
    build: postCommentCountsTopology,
    reads: [CommentSnapshot],
    writes: [PostCommentCount],
  },
  "post-details": {
    description: "posts with their artist and comment count (from the snapshots and counts)",
    build: postDetailsTopology,
    reads: [PostSnapshot, ArtistSnapshot, PostCommentCount],
    writes: [PostDetail],
  },
  "track-documents": {
    description: "search documents: tracks with their album and artist (from the snapshots)",
    build: trackDocumentsTopology,
    reads: [TrackSnapshot, AlbumSnapshot, ArtistSnapshot],
    writes: [TrackDocument],
  },
  "album-documents": {
    description: "search documents: albums with their artist's name (from the snapshots)",
    build: albumDocumentsTopology,
    reads: [AlbumSnapshot, ArtistSnapshot],
    writes: [AlbumDocument],
  },
  "identity-owners": {
    description:
      "who holds each unique e-mail/username (claims, releases, registrations, erasures)",
    build: identityOwnersTopology,
    reads: [IdentityClaimed, IdentityReleased, UserRegistered, UserErased],
    writes: [IdentityOwner],
  },
  "catalog-snapshots": {
    description: "the latest state of each artist, album and track (the API's catalog checks)",
    build: catalogSnapshotsTopology,
    reads: [
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
    writes: [ArtistSnapshot, AlbumSnapshot, TrackSnapshot],
  },
  "content-snapshots": {
    description: "the latest state of each post and comment (the API's content and comment checks)",
    build: contentSnapshotsTopology,
    reads: [PostPublished, PostEdited, PostDeleted, CommentAdded, CommentEdited, CommentDeleted],
    writes: [PostSnapshot, CommentSnapshot],
  },
  "moment-snapshots": {
    description: "each moment (a comment at a point of a track) as it is now (the API's checks)",
    build: momentSnapshotsTopology,
    reads: [TrackMomentPosted, TrackMomentDeleted],
    writes: [TrackMomentSnapshot],
  },
  "account-snapshots": {
    description: "each account as it is now (the API's login and profile checks)",
    build: accountSnapshotsTopology,
    reads: [UserRegistered, ProfileUpdated, UserErased],
    writes: [AccountSnapshot],
  },
  "service-snapshots": {
    description: "feedback items' triage status and chat conversations' owners (the API's checks)",
    build: serviceSnapshotsTopology,
    reads: [FeedbackSubmitted, FeedbackTriaged, FeedbackResolved, ChatMessageSent],
    writes: [FeedbackStatus, ConversationOwner],
  },
  "playlist-snapshots": {
    description: "each playlist as it is now: owner, name, visibility, entries in order",
    build: playlistSnapshotsTopology,
    reads: playlistEvents,
    writes: [PlaylistSnapshot],
  },
} as const satisfies Record<string, TopologyDefinition>;

export type TopologyName = keyof typeof topologies;

export const topologyNames = Object.keys(topologies) as TopologyName[];
