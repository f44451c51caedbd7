/**
 * What the search view promises its readers (the read API): the indices, how their
 * versioned names and aliases are spelled, and the fields of each index's documents.
 * No imports from the sink's machinery, so a reader learns the contract without the writer.
 * It reads only derived tables: `after=` waits on it through the processors that write them.
 *
 *   engine.search(aliasName("tracks", prefix), request)        // tracks_v2 behind "tracks"
 *   versionedIndexOf("tracks_v2", prefix)                       // → "tracks"
 */
import { ArtistSnapshot } from "../../schemas/generated/artist.ts";
import { PostDetail } from "../../schemas/generated/content.ts";
import { AlbumDocument, TrackDocument } from "../../schemas/generated/search.ts";

/** What the view reads (unprefixed topics): the documents' owners' topics. */
export const searchEvents = [TrackDocument, AlbumDocument, ArtistSnapshot, PostDetail] as const;

export const searchIndices = ["tracks", "artists", "albums", "posts"] as const;
export type SearchIndex = (typeof searchIndices)[number];

/** The alias readers search through; `prefix` is put in front (tests), lower case. */
export const aliasName = (index: SearchIndex, prefix = ""): string => `${prefix}${index}`;

/** The index of view version `version` behind the alias. */
export const indexName = (index: SearchIndex, version: number, prefix = ""): string =>
  `${prefix}${index}_v${version}`;

/** Which index a concrete index name (as a hit's `_index` says) belongs to, if any. */
export function versionedIndexOf(name: string, prefix = ""): SearchIndex | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const match = /^([a-z]+)_v\d+$/.exec(name.slice(prefix.length));
  const index = match?.[1] as SearchIndex | undefined;
  return index !== undefined && searchIndices.includes(index) ? index : undefined;
}

/** The completion field of tracks, artists and albums (their title or name). */
export interface Suggest {
  input: string[];
}

/** A track with its album and artist, as search.track-documents carries it. */
export interface TrackSearchDocument {
  track_id: string;
  title: string;
  track_number: number;
  duration_ms: number;
  explicit: boolean;
  /** The track's own genre. */
  genre: string;
  /** The track's genre, then its album's, then its artist's, without repeats. */
  genres: string[];
  album_id: string;
  album_title: string;
  /** yyyy-MM-dd */
  release_date: string;
  artist_id: string;
  artist_name: string;
  artist_country: string | null;
  suggest: Suggest;
}

export interface ArtistSearchDocument {
  artist_id: string;
  name: string;
  country: string | null;
  genres: string[];
  bio: string | null;
  suggest: Suggest;
}

/** An album with its artist's name, as search.album-documents carries it. */
export interface AlbumSearchDocument {
  album_id: string;
  title: string;
  artist_id: string;
  artist_name: string;
  genre: string;
  /** yyyy-MM-dd */
  release_date: string;
  suggest: Suggest;
}

/** A post with its artist's name and comment count, as content.post-details carries it. */
export interface PostSearchDocument {
  post_id: string;
  author_id: string;
  artist_id: string | null;
  /** Null for a personal post, or when its artist is gone. */
  artist_name: string | null;
  title: string;
  body: string;
  /** ISO 8601 */
  published_at: string;
  /** Comments on the post that are not deleted. */
  comments: number;
}

export interface SearchDocuments {
  tracks: TrackSearchDocument;
  artists: ArtistSearchDocument;
  albums: AlbumSearchDocument;
  posts: PostSearchDocument;
}
