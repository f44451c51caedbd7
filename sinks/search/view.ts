/**
 * The search view: documents of tracks, albums, artists and posts in versioned indices
 * (`tracks_v2`, …) behind aliases (`tracks`; the names are in contract.ts). It maps each
 * record to one document and joins nothing: the processors own every joined fact.
 *
 *   search.track-documents (track-documents: track + album + artist) ─▶ tracks
 *   search.album-documents (album-documents: album + artist's name)  ─▶ albums
 *   artist.artist-snapshots (catalog-snapshots: artists that exist)  ─▶ artists
 *   content.post-details (post-details: post + artist's name + comment count) ─▶ posts
 *
 * Every input is a derived table (the latest state per key); its tombstone deletes the
 * document. Even an artist, which one event type could map, comes from the snapshots, so
 * that whether it still exists (deletes are final) and whether it is taken down are decided
 * once, by catalog-snapshots.
 *
 * Exactly once as before: the positions live in Postgres (database `search`, schema
 * `search_v<N>`, nothing else in it) and the documents are bulk-indexed inside the sink's
 * transaction, before it commits. Every operation carries its record's offset as an
 * external version (`version_type: external_gte`): all records of one document are in one
 * partition of one topic (keyed by the document's id), in order. A replay after a crash
 * sends the same versions with the same content; an older record never overwrites a newer
 * document (the engine answers 409, which is not a failure).
 */
import { join } from "node:path";
import type { BulkOperation, SearchEngine } from "../../platform/search/engine.ts";
import { ArtistSnapshot } from "../../schemas/generated/artist.ts";
import { PostDetail } from "../../schemas/generated/content.ts";
import { AlbumDocument, TrackDocument } from "../../schemas/generated/search.ts";
import { viewContracts } from "../contract.ts";
import {
  type BatchScope,
  type BatchState,
  type DecodedRecord,
  defineView,
  onState,
  type ViewDefinition,
} from "../engine/index.ts";
import {
  type AlbumSearchDocument,
  type ArtistSearchDocument,
  aliasName,
  indexName,
  type PostSearchDocument,
  type SearchDocuments,
  type SearchIndex,
  searchIndices,
  type TrackSearchDocument,
} from "./contract.ts";
import { indexDefinitions } from "./mappings.ts";

export interface SearchViewOptions {
  engine: SearchEngine;
  /** Put in front of every index and alias name (tests); lower case. */
  indexPrefix?: string;
  /** Refresh after each bulk (tests): documents are searchable when the batch commits. */
  refresh?: boolean;
}

/**
 * The view's first version with this definition. Version 1 joined artists, albums and
 * tracks in its own staging tables; its indices hold other versions and fields, so this
 * code never continues it (a running platform builds version 2 beside it, then swaps).
 */
export const searchMinVersion = 2;

export const trackSearchDocument = (d: TrackDocument): TrackSearchDocument => ({
  track_id: d.trackId,
  title: d.title,
  track_number: d.trackNumber,
  duration_ms: d.durationMs,
  explicit: d.explicit,
  // The schema promises the track's own genre first in `genres`.
  genre: d.genres[0] ?? "",
  genres: d.genres,
  album_id: d.albumId,
  album_title: d.albumTitle,
  release_date: d.releaseDate,
  artist_id: d.artistId,
  artist_name: d.artistName,
  artist_country: d.artistCountry,
  suggest: { input: [d.title] },
});

export const albumSearchDocument = (d: AlbumDocument): AlbumSearchDocument => ({
  album_id: d.albumId,
  title: d.title,
  artist_id: d.artistId,
  artist_name: d.artistName,
  genre: d.genre,
  release_date: d.releaseDate,
  suggest: { input: [d.title] },
});

export const artistSearchDocument = (e: ArtistSnapshot): ArtistSearchDocument => ({
  artist_id: e.artistId,
  name: e.name,
  country: e.country,
  genres: e.genres,
  bio: e.bio,
  suggest: { input: [e.name] },
});

export const postSearchDocument = (d: PostDetail): PostSearchDocument => ({
  post_id: d.postId,
  author_id: d.authorId,
  artist_id: d.artistId,
  artist_name: d.artistName,
  title: d.title,
  body: d.body,
  published_at: d.publishedAt.toISOString(),
  comments: d.comments,
});

/** One batch's bulk operations, the last one per document: earlier ones would lose anyway. */
class DocumentBatch implements BatchState {
  private readonly operations = new Map<string, BulkOperation>();

  constructor(
    private readonly scope: BatchScope,
    private readonly options: SearchViewOptions,
  ) {}

  /** The document `id` of `index` as of `record`; null deletes it. */
  set<I extends SearchIndex>(
    index: I,
    id: string | null,
    record: DecodedRecord<unknown>,
    document: SearchDocuments[I] | null,
  ): void {
    // A tombstone without a key names no document (the processors never write one).
    if (id === null) return;
    const name = indexName(index, this.scope.version, this.options.indexPrefix);
    const version = Number(record.record.offset);
    this.operations.set(
      `${index}/${id}`,
      document === null
        ? { action: "delete", index: name, id, version }
        : { action: "index", index: name, id, version, document: { ...document } },
    );
  }

  async flush(): Promise<void> {
    const operations = [...this.operations.values()];
    if (operations.length === 0) return;
    const result = await this.options.engine.bulk(operations, {
      refresh: this.options.refresh ?? false,
    });
    if (result.failures.length > 0) {
      const [first] = result.failures;
      // Retried by the sink (the transaction rolls back): a mapping error is a bug to fix.
      throw new Error(
        `search bulk: ${result.failures.length} of ${operations.length} failed, e.g. ${first?.id}: ${first?.status} ${first?.type} ${first?.reason}`,
      );
    }
  }
}

export function searchView(options: SearchViewOptions): ViewDefinition {
  const prefix = options.indexPrefix ?? "";
  const view = defineView<DocumentBatch>({
    name: "search",
    ...viewContracts.search,
    migrationsDir: join(import.meta.dirname, "migrations"),
    minVersion: searchMinVersion,
    state: (scope) => new DocumentBatch(scope, options),
    handlers: [
      onState(TrackDocument, (d, b, r) => b.set("tracks", r.key, r, d && trackSearchDocument(d))),
      onState(AlbumDocument, (d, b, r) => b.set("albums", r.key, r, d && albumSearchDocument(d))),
      onState(PostDetail, (d, b, r) => b.set("posts", r.key, r, d && postSearchDocument(d))),
      // A taken-down artist's snapshot has no document (docs/adr/021-moderation.md): the
      // snapshot says whether a takedown is in force, the sink only maps that to a delete.
      onState(ArtistSnapshot, (d, b, r) =>
        b.set("artists", r.key, r, d && !d.takedown ? artistSearchDocument(d) : null),
      ),
    ],
  });
  return {
    ...view,
    async prepare(scope) {
      for (const name of searchIndices) {
        const index = indexName(name, scope.version, prefix);
        if (!(await options.engine.indexExists(index))) {
          await options.engine.createIndex(index, indexDefinitions[name]);
        }
      }
    },
    async onSwap(version) {
      for (const name of searchIndices) {
        await options.engine.swapAlias(aliasName(name, prefix), indexName(name, version, prefix));
      }
    },
  };
}
