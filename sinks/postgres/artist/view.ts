import { join } from "node:path";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistUpdated,
  TrackAudioUploaded,
  TrackCreated,
  TrackDeleted,
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

/** Artists, albums and tracks (artist database). */
export const artistView = defineView<RowWriter>({
  name: "artist",
  ...viewContracts.artist,
  migrationsDir: join(import.meta.dirname, "migrations"),
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
  ],
});
