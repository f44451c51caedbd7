/**
 * Search documents of tracks: each track with its album and its artist. The tracks,
 * albums and artists as they are now are vobe-catalog-snapshots' (snapshots.ts): read
 * here as tables, never folded from their events again.
 *
 *   artist.track-snapshots  ─▶ tracks table ─▶ FK join albums (by albumId) ─▶ FK join artists (by artistId) ─▶ search.track-documents
 *   artist.album-snapshots  ─▶ albums table ──┘                               ▲
 *   artist.artist-snapshots ─▶ artists table ─────────────────────────────────┘
 *   (written by vobe-catalog-snapshots from artist.tracks, artist.albums, artist.artists)
 *
 * Only public snapshots are joined (docs/adr/021-moderation.md): a track, album or artist
 * an admin took down is a tombstone in its table here, so its documents become tombstones
 * (an artist's takedown hides all its tracks, an album's all of its tracks) and a restore
 * brings them back as they are then.
 *
 * Inner joins: a document needs its album and its artist. One appears once all three
 * are known (whatever the order they arrive in); it follows every change of the track,
 * the album (a new title reaches all its tracks) and the artist; a track moved to
 * another album or artist is re-joined there; a deleted track, album or artist (a
 * tombstone in its snapshot topic) turns the documents concerned into tombstones (the
 * search sink deletes them).
 */
import {
  AlbumSnapshot,
  ArtistSnapshot,
  type TrackDocument,
  TrackDocument as TrackDocumentType,
  TrackSnapshot,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { isPublic } from "./catalog-snapshots.ts";
import { type TopologyOptions, toDerived } from "./common.ts";
import { snapshotStore, snapshotTable } from "./snapshots.ts";

export const trackDocumentsStores = {
  /** Key-value: id → the entity's snapshot, as read from its snapshot topic. */
  tracks: snapshotStore("tracks"),
  albums: snapshotStore("albums"),
  artists: snapshotStore("artists"),
  /** Key-value: trackId → the track with its album (FK join result). */
  withAlbum: "track-album-store",
  /** Key-value: trackId → the whole document (FK join result). */
  documents: "track-artist-store",
} as const;

export interface TrackRow {
  trackId: string;
  albumId: string;
  artistId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genre: string;
  explicit: boolean;
}

export interface AlbumRow {
  title: string;
  releaseDate: string;
  genre: string;
}

export interface ArtistRow {
  name: string;
  country: string | null;
  genres: string[];
}

export interface TrackWithAlbum {
  track: TrackRow;
  album: AlbumRow;
}

export interface DocumentRow extends TrackWithAlbum {
  artist: ArtistRow;
}

export function trackDocumentsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  const tracks = snapshotTable(builder, serdes, TrackSnapshot, {
    name: "tracks",
    row: (t) => {
      const { trackId, albumId, artistId, title, durationMs, trackNumber, genre, explicit } = t;
      const row: TrackRow = {
        trackId,
        albumId,
        artistId,
        title,
        durationMs,
        trackNumber,
        genre,
        explicit,
      };
      return { row, public: isPublic(t) };
    },
  })
    .filter((_id, t) => t.public, { name: "tracks-public" })
    .mapValues((t) => t.row, { name: "tracks-public-rows" });
  const albums = snapshotTable(builder, serdes, AlbumSnapshot, {
    name: "albums",
    row: (a) => {
      const row: AlbumRow = { title: a.title, releaseDate: a.releaseDate, genre: a.genre };
      return { row, public: isPublic(a) };
    },
  })
    .filter((_id, a) => a.public, { name: "albums-public" })
    .mapValues((a) => a.row, { name: "albums-public-rows" });
  const artists = snapshotTable(builder, serdes, ArtistSnapshot, {
    name: "artists",
    row: (a) => {
      const row: ArtistRow = { name: a.name, country: a.country, genres: a.genres };
      return { row, public: isPublic(a) };
    },
  })
    .filter((_id, a) => a.public, { name: "artists-public" })
    .mapValues((a) => a.row, { name: "artists-public-rows" });

  const documents = tracks
    .join(
      albums,
      (track) => track.albumId,
      (track, album): TrackWithAlbum => ({ track, album }),
      {
        name: "track-album",
        leftValueSerde: Serdes.json<TrackRow>(),
        rightValueSerde: Serdes.json<AlbumRow>(),
        valueSerde: Serdes.json<TrackWithAlbum>(),
      },
    )
    .join(
      artists,
      (row) => row.track.artistId,
      (row, artist): DocumentRow => ({ ...row, artist }),
      {
        name: "track-artist",
        leftValueSerde: Serdes.json<TrackWithAlbum>(),
        rightValueSerde: Serdes.json<ArtistRow>(),
        valueSerde: Serdes.json<DocumentRow>(),
      },
    );
  toDerived<string, DocumentRow, TrackDocument>(
    documents.toStream({ name: "track-documents-changes" }),
    TrackDocumentType,
    (trackId, { track, album, artist }) => ({
      trackId,
      title: track.title,
      durationMs: track.durationMs,
      trackNumber: track.trackNumber,
      explicit: track.explicit,
      albumId: track.albumId,
      albumTitle: album.title,
      releaseDate: album.releaseDate,
      artistId: track.artistId,
      artistName: artist.name,
      artistCountry: artist.country,
      genres: [...new Set([track.genre, album.genre, ...artist.genres])],
    }),
    "track-documents-records",
  ).to(serdes.topic(TrackDocumentType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(TrackDocumentType),
    name: "track-documents-sink",
  });
  return builder.build();
}
