/**
 * The latest state of every artist, album and track that exists, one compacted topic per
 * entity: what the write API checks ownership and existence against (a play of a track
 * that exists, an album of one's own artist), so the API reads the current state per key
 * instead of folding the catalog's whole history at every start.
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
  type AlbumSnapshot,
  AlbumSnapshot as AlbumSnapshotType,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  type ArtistSnapshot,
  ArtistSnapshot as ArtistSnapshotType,
  ArtistUpdated,
  TrackAudioUploaded,
  TrackCreated,
  TrackDeleted,
  type TrackSnapshot,
  TrackSnapshot as TrackSnapshotType,
  TrackUpdated,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { DerivedEnvelope, TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

type Row<T> = Omit<T, keyof DerivedEnvelope>;
export type ArtistRow = Row<ArtistSnapshot>;
export type AlbumRow = Row<AlbumSnapshot>;
export type TrackRow = Row<TrackSnapshot>;

export function applyArtist(row: ArtistRow | null, event: DecodedEvent): ArtistRow | null {
  if (isEvent(event, ArtistCreated)) {
    const { artistId, ownerUserId, name, country, genres, bio } = event.value;
    return { artistId, ownerUserId, name, country, genres, bio };
  }
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
    return { albumId, artistId, title, releaseDate, genre, coverUrl };
  }
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
    return { trackId, albumId, artistId, title, durationMs, trackNumber, genre, explicit, audio };
  }
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
    [ArtistCreated, ArtistUpdated, ArtistDeleted],
    applyArtist,
    ArtistSnapshotType,
  );
  snapshots(
    builder,
    serdes,
    "album-snapshots",
    [AlbumCreated, AlbumUpdated, AlbumDeleted],
    applyAlbum,
    AlbumSnapshotType,
  );
  snapshots(
    builder,
    serdes,
    "track-snapshots",
    [TrackCreated, TrackUpdated, TrackDeleted, TrackAudioUploaded],
    applyTrack,
    TrackSnapshotType,
  );
  return builder.build();
}
