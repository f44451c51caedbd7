/**
 * The event types the API writes and reads, optionally under a topic prefix. Tests build
 * the app against a prefixed copy (schemas/catalog.ts prefixedCatalog) so they never touch
 * the real topics; production uses the catalog's names as they are.
 */
import type { EventType } from "../../schemas/event-type.ts";
import * as generated from "../../schemas/generated/index.ts";

const types = {
  UserRegistered: generated.UserRegistered,
  ProfileUpdated: generated.ProfileUpdated,
  UserErased: generated.UserErased,
  CredentialSet: generated.CredentialSet,
  LoginSucceeded: generated.LoginSucceeded,
  LoginFailed: generated.LoginFailed,
  IdentityClaimed: generated.IdentityClaimed,
  IdentityReleased: generated.IdentityReleased,
  ArtistCreated: generated.ArtistCreated,
  ArtistUpdated: generated.ArtistUpdated,
  ArtistDeleted: generated.ArtistDeleted,
  ArtistTakenDown: generated.ArtistTakenDown,
  ArtistRestored: generated.ArtistRestored,
  AlbumCreated: generated.AlbumCreated,
  AlbumUpdated: generated.AlbumUpdated,
  AlbumDeleted: generated.AlbumDeleted,
  AlbumTakenDown: generated.AlbumTakenDown,
  AlbumRestored: generated.AlbumRestored,
  TrackCreated: generated.TrackCreated,
  TrackUpdated: generated.TrackUpdated,
  TrackDeleted: generated.TrackDeleted,
  TrackTakenDown: generated.TrackTakenDown,
  TrackRestored: generated.TrackRestored,
  TrackAudioUploaded: generated.TrackAudioUploaded,
  PostPublished: generated.PostPublished,
  PostEdited: generated.PostEdited,
  PostDeleted: generated.PostDeleted,
  CommentAdded: generated.CommentAdded,
  CommentEdited: generated.CommentEdited,
  CommentDeleted: generated.CommentDeleted,
  TrackMomentPosted: generated.TrackMomentPosted,
  TrackMomentDeleted: generated.TrackMomentDeleted,
  FeedbackSubmitted: generated.FeedbackSubmitted,
  FeedbackTriaged: generated.FeedbackTriaged,
  FeedbackResolved: generated.FeedbackResolved,
  TrackPlayed: generated.TrackPlayed,
  TrackLiked: generated.TrackLiked,
  TrackUnliked: generated.TrackUnliked,
  PlaylistCreated: generated.PlaylistCreated,
  PlaylistRenamed: generated.PlaylistRenamed,
  PlaylistTrackAdded: generated.PlaylistTrackAdded,
  PlaylistTrackMoved: generated.PlaylistTrackMoved,
  PlaylistTrackRemoved: generated.PlaylistTrackRemoved,
  PlaylistVisibilityChanged: generated.PlaylistVisibilityChanged,
  PlaylistDeleted: generated.PlaylistDeleted,
  ChatMessageSent: generated.ChatMessageSent,
} as const;

export type EventTypes = typeof types;

/** Every type with `prefix` in front of its topic (and so of its registry subject). */
export function eventTypes(prefix = ""): EventTypes {
  const entries = Object.entries(types).map(([name, type]: [string, EventType<unknown>]) => [
    name,
    { ...type, topic: `${prefix}${type.topic}` },
  ]);
  return Object.fromEntries(entries) as EventTypes;
}

/** The topic names of the types, without duplicates. */
export function topicsOf(...list: ReadonlyArray<EventType<unknown>>): string[] {
  return [...new Set(list.map((t) => t.topic))];
}
