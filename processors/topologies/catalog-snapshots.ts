/**
 * The latest state of every artist, album and track that exists, one compacted topic per
 * entity: what the write API checks ownership and existence against (a play of a track
 * that exists, an album of one's own artist), so the API reads the current state per key
 * instead of folding the catalog's whole history at every start.
 *
 * Moderation is folded here too (docs/adr/021-moderation.md): a *TakenDown sets the
 * snapshot's `takedown` (reason and time), a *Restored clears it. The entity stays (its
 * owner still sees and edits it); the documents topologies and the reads hide it.
 *
 *   artist.artists ─▶ entity table ─▶ artist.artist-snapshots   (deleted: tombstone)
 *   artist.albums  ─▶ entity table ─▶ artist.album-snapshots
 *   artist.tracks  ─▶ entity table ─▶ artist.track-snapshots   (with the latest uploaded audio)
 *
 * Each snapshot carries every field the events carry (an update merges onto it), so the
 * API can answer a PATCH with the whole entity after the change.
 */
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumRestored,
  type AlbumSnapshot,
  AlbumSnapshot as AlbumSnapshotType,
  AlbumTakenDown,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistRestored,
  type ArtistSnapshot,
  ArtistSnapshot as ArtistSnapshotType,
  ArtistTakenDown,
  ArtistUpdated,
  TrackAudioUploaded,
  TrackCreated,
  TrackDeleted,
  TrackRestored,
  type TrackSnapshot,
  TrackSnapshot as TrackSnapshotType,
  TrackTakenDown,
  TrackUpdated,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { DerivedEnvelope, TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

/** A takedown in force, as the stores keep it: its time in epoch ms (rows are JSON). */
export interface TakedownRow {
  reason: string;
  takenDownAt: number;
}

/** Rows stored before moderation existed have no `takedown`: public. */
type Row<T> = Omit<T, keyof DerivedEnvelope | "takedown"> & { takedown?: TakedownRow | null };
export type ArtistRow = Row<ArtistSnapshot>;
export type AlbumRow = Row<AlbumSnapshot>;
export type TrackRow = Row<TrackSnapshot>;

/**
 * The row after a takedown or a restore of it (undefined: `event` is neither). Of an entity
 * that does not exist it changes nothing; the takedown's time is the event's.
 */
function moderated<R extends { takedown?: TakedownRow | null }>(
  row: R | null,
  event: DecodedEvent,
  takenDown: { name: string },
  restored: { name: string },
): R | null | undefined {
  if (event.type === takenDown.name) {
    const { reason, occurredAt } = event.value as { reason: string; occurredAt: Date };
    return row && { ...row, takedown: { reason, takenDownAt: occurredAt.getTime() } };
  }
  if (event.type === restored.name) return row && { ...row, takedown: null };
  return undefined;
}

/**
 * Whether a snapshot is public: no takedown in force on it. The documents topologies keep
 * only public snapshots (a takedown turns their documents into tombstones, a restore brings
 * them back); whether a parent's takedown hides its children is decided there, by the joins.
 */
export const isPublic = (snapshot: { takedown?: unknown }): boolean => !snapshot.takedown;

/** A snapshot's fields from a stored row: the takedown's time as a Date. */
const withTakedown = <R extends { takedown?: TakedownRow | null }>(row: R) => ({
  ...row,
  takedown: row.takedown
    ? { reason: row.takedown.reason, takenDownAt: new Date(row.takedown.takenDownAt) }
    : null,
});

export function applyArtist(row: ArtistRow | null, event: DecodedEvent): ArtistRow | null {
  if (isEvent(event, ArtistCreated)) {
    const { artistId, ownerUserId, name, country, genres, bio } = event.value;
    return { artistId, ownerUserId, name, country, genres, bio, takedown: row?.takedown ?? null };
  }
  const moderation = moderated(row, event, ArtistTakenDown, ArtistRestored);
  if (moderation !== undefined) return moderation;
  if (isEvent(event, ArtistUpdated)) {
    if (!row) return null;
    const { name, country, genres, bio } = event.value;
    return { ...row, name, country, genres, bio };
  }
  return isEvent(event, ArtistDeleted) ? null : row;
}

export function applyAlbum(row: AlbumRow | null, event: DecodedEvent): AlbumRow | null {
  if (isEvent(event, AlbumCreated) || isEvent(event, AlbumUpdated)) {
    // An update carries the whole album; one of an album never created is ignored.
    if (isEvent(event, AlbumUpdated) && !row) return null;
    const { albumId, artistId, title, releaseDate, genre, coverUrl } = event.value;
    // A takedown outlasts the owner's edits: only a restore lifts it.
    const takedown = row?.takedown ?? null;
    return { albumId, artistId, title, releaseDate, genre, coverUrl, takedown };
  }
  const moderation = moderated(row, event, AlbumTakenDown, AlbumRestored);
  if (moderation !== undefined) return moderation;
  return isEvent(event, AlbumDeleted) ? null : row;
}

export function applyTrack(row: TrackRow | null, event: DecodedEvent): TrackRow | null {
  if (isEvent(event, TrackCreated) || isEvent(event, TrackUpdated)) {
    if (isEvent(event, TrackUpdated) && !row) return null;
    const { trackId, albumId, artistId, title, durationMs, trackNumber, genre, explicit } =
      event.value;
    // An update carries the track's details, not its audio: the audio stays. Rows stored
    // before audio existed have no field: null.
    const audio = row?.audio ?? null;
    const takedown = row?.takedown ?? null;
    return {
      trackId,
      albumId,
      artistId,
      title,
      durationMs,
      trackNumber,
      genre,
      explicit,
      audio,
      takedown,
    };
  }
  const moderation = moderated(row, event, TrackTakenDown, TrackRestored);
  if (moderation !== undefined) return moderation;
  if (isEvent(event, TrackAudioUploaded)) {
    // Audio of a track never created (or deleted: the table ignores it) changes nothing.
    if (!row) return null;
    const { contentHash, codec, mimeType, durationMs, sizeBytes } = event.value;
    return { ...row, audio: { contentHash, codec, mimeType, durationMs, sizeBytes } };
  }
  return isEvent(event, TrackDeleted) ? null : row;
}

export function catalogSnapshotsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  snapshots(
    builder,
    serdes,
    "artist-snapshots",
    [ArtistCreated, ArtistUpdated, ArtistDeleted, ArtistTakenDown, ArtistRestored],
    applyArtist,
    ArtistSnapshotType,
    withTakedown,
  );
  snapshots(
    builder,
    serdes,
    "album-snapshots",
    [AlbumCreated, AlbumUpdated, AlbumDeleted, AlbumTakenDown, AlbumRestored],
    applyAlbum,
    AlbumSnapshotType,
    withTakedown,
  );
  snapshots(
    builder,
    serdes,
    "track-snapshots",
    [TrackCreated, TrackUpdated, TrackDeleted, TrackAudioUploaded, TrackTakenDown, TrackRestored],
    applyTrack,
    TrackSnapshotType,
    withTakedown,
  );
  return builder.build();
}
