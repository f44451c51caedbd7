/**
 * Search documents of albums: each album with its artist's name. The albums and artists
 * as they are now are vobe-catalog-snapshots' (snapshots.ts): read here as tables.
 *
 *   artist.album-snapshots  ─▶ albums table ─▶ FK join artists (by artistId) ─▶ search.album-documents
 *   artist.artist-snapshots ─▶ artists table ─┘
 *   (written by vobe-catalog-snapshots from artist.albums, artist.artists)
 *
 * Only public snapshots are joined, like track-documents (docs/adr/021-moderation.md): a
 * taken-down album, or every album of a taken-down artist, is a tombstone until restored.
 *
 * An inner join, like track-documents: a document appears once the album and its artist
 * are both known (in either order), follows every change of the album and every rename
 * of the artist (the FK join's fan-out to all its albums), moves with an album given to
 * another artist, and becomes a tombstone when the album or its artist is deleted (a
 * tombstone in its snapshot topic; the search sink deletes the document).
 */
import {
  type AlbumDocument,
  AlbumDocument as AlbumDocumentType,
  AlbumSnapshot,
  ArtistSnapshot,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { isPublic } from "./catalog-snapshots.ts";
import { type TopologyOptions, toDerived } from "./common.ts";
import { snapshotStore, snapshotTable } from "./snapshots.ts";

export const albumDocumentsStores = {
  /** Key-value: id → the entity's snapshot, as read from its snapshot topic. */
  albums: snapshotStore("albums"),
  artists: snapshotStore("artists"),
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
  const albums = snapshotTable(builder, serdes, AlbumSnapshot, {
    name: "albums",
    row: (a) => {
      const { artistId, title, releaseDate, genre } = a;
      const row: AlbumRow = { artistId, title, releaseDate, genre };
      return { row, public: isPublic(a) };
    },
  })
    .filter((_id, a) => a.public, { name: "albums-public" })
    .mapValues((a) => a.row, { name: "albums-public-rows" });
  const artists = snapshotTable(builder, serdes, ArtistSnapshot, {
    name: "artists",
    row: (a) => ({ row: { name: a.name } as ArtistRow, public: isPublic(a) }),
  })
    .filter((_id, a) => a.public, { name: "artists-public" })
    .mapValues((a) => a.row, { name: "artists-public-rows" });

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
