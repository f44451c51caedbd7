/**
 * Search documents of albums: each album with its artist's name.
 *
 *   artist.albums ─▶ albums table ─▶ FK join artists (by artistId) ─▶ search.album-documents
 *   artist.artists ─▶ artists table ─┘
 *
 * An inner join, like track-documents: a document appears once the album and its artist
 * are both known (in either order), follows every change of the album and every rename
 * of the artist (the FK join's fan-out to all its albums), moves with an album given to
 * another artist, and becomes a tombstone when the album or its artist is deleted (the
 * search sink deletes the document).
 */
import {
  AlbumCreated,
  AlbumDeleted,
  type AlbumDocument,
  AlbumDocument as AlbumDocumentType,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistUpdated,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { isEvent } from "../serdes/avro.ts";
import { entityTable, type TopologyOptions, toDerived } from "./common.ts";

export const albumDocumentsStores = {
  albums: "albums-state",
  artists: "artists-state",
  /** Key-value: albumId → the album with its artist's name (the FK join's result). */
  documents: "album-artist-store",
} as const;

export interface AlbumRow {
  artistId: string;
  title: string;
  releaseDate: string;
  genre: string;
}

export interface ArtistRow {
  name: string;
}

export interface AlbumWithArtist {
  album: AlbumRow;
  artistName: string;
}

export function albumDocumentsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  const albums = entityTable<AlbumRow>(builder, {
    serdes,
    topic: AlbumCreated,
    types: [AlbumCreated, AlbumUpdated, AlbumDeleted],
    name: "albums",
    apply: (_row, event) => {
      if (isEvent(event, AlbumCreated) || isEvent(event, AlbumUpdated)) {
        const { artistId, title, releaseDate, genre } = event.value;
        return { artistId, title, releaseDate, genre };
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
        return { name: event.value.name };
      }
      return null; // ArtistDeleted
    },
  });

  const documents = albums.join(
    artists,
    (album) => album.artistId,
    (album, artist): AlbumWithArtist => ({ album, artistName: artist.name }),
    {
      name: "album-artist",
      leftValueSerde: Serdes.json<AlbumRow>(),
      rightValueSerde: Serdes.json<ArtistRow>(),
      valueSerde: Serdes.json<AlbumWithArtist>(),
    },
  );
  toDerived<string, AlbumWithArtist, AlbumDocument>(
    documents.toStream({ name: "album-documents-changes" }),
    AlbumDocumentType,
    (albumId, { album, artistName }) => ({
      albumId,
      title: album.title,
      releaseDate: album.releaseDate,
      genre: album.genre,
      artistId: album.artistId,
      artistName,
    }),
    "album-documents-records",
  ).to(serdes.topic(AlbumDocumentType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(AlbumDocumentType),
    name: "album-documents-sink",
  });
  return builder.build();
}
