/**
 * Search documents of tracks: each track with its album and its artist.
 *
 *   artist.tracks ─▶ tracks table ─▶ FK join albums (by albumId) ─▶ FK join artists (by artistId) ─▶ search.track-documents
 *   artist.albums ─▶ albums table ──┘                               ▲
 *   artist.artists ─▶ artists table ────────────────────────────────┘
 *
 * Inner joins: a document needs its album and its artist. One appears once all three
 * are known (whatever the order they arrive in); it follows every change of the track,
 * the album (a new title reaches all its tracks) and the artist; a track moved to
 * another album or artist is re-joined there; a deleted track, album or artist turns the
 * documents concerned into tombstones (the search sink deletes them).
 */
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistUpdated,
  TrackCreated,
  TrackDeleted,
  type TrackDocument,
  TrackDocument as TrackDocumentType,
  TrackUpdated,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { isEvent } from "../serdes/avro.ts";
import { entityTable, type TopologyOptions, toDerived } from "./common.ts";

export const trackDocumentsStores = {
  tracks: "tracks-state",
  albums: "albums-state",
  artists: "artists-state",
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
  const tracks = entityTable<TrackRow>(builder, {
    serdes,
    topic: TrackCreated,
    types: [TrackCreated, TrackUpdated, TrackDeleted],
    name: "tracks",
    apply: (_row, event) => {
      if (isEvent(event, TrackCreated) || isEvent(event, TrackUpdated)) {
        const { trackId, albumId, artistId, title, durationMs, trackNumber, genre, explicit } =
          event.value;
        return { trackId, albumId, artistId, title, durationMs, trackNumber, genre, explicit };
      }
      return null; // TrackDeleted
    },
  });
  const albums = entityTable<AlbumRow>(builder, {
    serdes,
    topic: AlbumCreated,
    types: [AlbumCreated, AlbumUpdated, AlbumDeleted],
    name: "albums",
    apply: (_row, event) => {
      if (isEvent(event, AlbumCreated) || isEvent(event, AlbumUpdated)) {
        const { title, releaseDate, genre } = event.value;
        return { title, releaseDate, genre };
      }
      return null; // AlbumDeleted
    },
  });
  const artists = entityTable<ArtistRow>(builder, {
    serdes,
    topic: ArtistCreated,
    types: [ArtistCreated, ArtistUpdated, ArtistDeleted],
    name: "artists",
    apply: (_row, event) => {
      if (isEvent(event, ArtistCreated) || isEvent(event, ArtistUpdated)) {
        const { name, country, genres } = event.value;
        return { name, country, genres };
      }
      return null; // ArtistDeleted
    },
  });

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
