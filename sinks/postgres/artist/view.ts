import { join } from "node:path";
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
} from "../../../schemas/generated/artist.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, on, RejectedRecord, type RowWriter, written } from "../../engine/index.ts";

const artist = ["artist_id"];
const album = ["album_id"];
const track = ["track_id"];

const checkDuration = (ms: number) => {
  if (ms < 0) throw new RejectedRecord(`durationMs ${ms} is negative`);
};

/** The columns a created and an updated event of an entity both set. */
const artistColumns = (e: ArtistUpdated) => ({
  artist_id: e.artistId,
  name: e.name,
  country: e.country,
  genres: e.genres,
  bio: e.bio,
});
const albumColumns = (e: AlbumUpdated) => ({
  album_id: e.albumId,
  artist_id: e.artistId,
  title: e.title,
  release_date: e.releaseDate,
  genre: e.genre,
  cover_url: e.coverUrl,
});
const trackColumns = (e: TrackUpdated) => ({
  track_id: e.trackId,
  album_id: e.albumId,
  artist_id: e.artistId,
  title: e.title,
  duration_ms: e.durationMs,
  track_number: e.trackNumber,
  genre: e.genre,
  explicit: e.explicit,
});

/** A takedown's columns (docs/adr/021-moderation.md): set by *TakenDown, cleared by *Restored. */
const takedown = (e: { reason: string; occurredAt: Date } | null) => ({
  takedown_reason: e?.reason ?? null,
  taken_down_at: e?.occurredAt ?? null,
});

/** Artists, albums and tracks (artist database). */
export const artistView = defineView<RowWriter>({
  name: "artist",
  ...viewContracts.artist,
  migrationsDir: join(import.meta.dirname, "migrations"),
  // Version 1's stable views were made before the takedown columns (003-moderation.sql):
  // a plain view's `select *` keeps the columns it had, so the columns need a new version.
  minVersion: 2,
  handlers: [
    on(ArtistCreated, (e, rows, r) =>
      rows.upsert("artists", artist, {
        ...artistColumns(e),
        owner_user_id: e.ownerUserId,
        deleted: false,
        created_at: e.occurredAt,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(ArtistUpdated, (e, rows, r) =>
      rows.patch("artists", artist, {
        ...artistColumns(e),
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(ArtistDeleted, (e, rows, r) =>
      rows.patch("artists", artist, {
        artist_id: e.artistId,
        deleted: true,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(ArtistTakenDown, (e, rows, r) =>
      rows.patch("artists", artist, { artist_id: e.artistId, ...takedown(e), ...written(r) }),
    ),
    on(ArtistRestored, (e, rows, r) =>
      rows.patch("artists", artist, { artist_id: e.artistId, ...takedown(null), ...written(r) }),
    ),
    on(AlbumCreated, (e, rows, r) =>
      rows.upsert("albums", album, {
        ...albumColumns(e),
        deleted: false,
        created_at: e.occurredAt,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(AlbumUpdated, (e, rows, r) =>
      rows.patch("albums", album, {
        ...albumColumns(e),
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(AlbumDeleted, (e, rows, r) =>
      rows.patch("albums", album, {
        album_id: e.albumId,
        deleted: true,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(AlbumTakenDown, (e, rows, r) =>
      rows.patch("albums", album, { album_id: e.albumId, ...takedown(e), ...written(r) }),
    ),
    on(AlbumRestored, (e, rows, r) =>
      rows.patch("albums", album, { album_id: e.albumId, ...takedown(null), ...written(r) }),
    ),
    on(TrackCreated, (e, rows, r) => {
      checkDuration(e.durationMs);
      rows.upsert("tracks", track, {
        ...trackColumns(e),
        deleted: false,
        created_at: e.occurredAt,
        updated_at: e.occurredAt,
        ...written(r),
      });
    }),
    on(TrackUpdated, (e, rows, r) => {
      checkDuration(e.durationMs);
      rows.patch("tracks", track, {
        ...trackColumns(e),
        updated_at: e.occurredAt,
        ...written(r),
      });
    }),
    // The audio fact replaces the track's audio columns; its bytes stay in the media store.
    on(TrackAudioUploaded, (e, rows, r) =>
      rows.patch("tracks", track, {
        track_id: e.trackId,
        audio_hash: e.contentHash,
        audio_codec: e.codec,
        audio_mime_type: e.mimeType,
        audio_duration_ms: e.durationMs,
        audio_size_bytes: e.sizeBytes,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(TrackDeleted, (e, rows, r) =>
      rows.patch("tracks", track, {
        track_id: e.trackId,
        deleted: true,
        updated_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(TrackTakenDown, (e, rows, r) =>
      rows.patch("tracks", track, { track_id: e.trackId, ...takedown(e), ...written(r) }),
    ),
    on(TrackRestored, (e, rows, r) =>
      rows.patch("tracks", track, { track_id: e.trackId, ...takedown(null), ...written(r) }),
    ),
  ],
});
