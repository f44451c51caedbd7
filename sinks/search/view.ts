/**
 * The search view: documents for tracks, artists, albums and posts in versioned indices
 * (`tracks_v1`, …) behind aliases (`tracks`). Its state (what a track document needs from
 * its album and artist) and its positions live in Postgres, database `search`, schema
 * `search_v<N>`; the documents are bulk-indexed inside the sink's transaction, before it
 * commits. Every document carries an external version (`version_type: external_gte`):
 * the record's offset for artists and posts, a per-document counter for tracks and albums
 * (built from several topics). A replay after a crash sends the same versions with the
 * same content; an older version never overwrites a newer one.
 */
import { join } from "node:path";
import type { PoolClient } from "../../platform/postgres/pool.ts";
import type { BulkOperation, SearchEngine } from "../../platform/search/engine.ts";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistUpdated,
  TrackCreated,
  TrackDeleted,
  TrackUpdated,
} from "../../schemas/generated/artist.ts";
import { PostDeleted, PostEdited, PostPublished } from "../../schemas/generated/content.ts";
import {
  type BatchScope,
  defineView,
  on,
  quote,
  RowWriter,
  type ViewDefinition,
  written,
} from "../engine/index.ts";
import { indexDefinitions, type SearchIndex, searchIndices } from "./mappings.ts";

/** The columns a created and an updated event of an entity both set (created also un-deletes). */
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
});
const trackColumns = (e: TrackUpdated) => ({
  track_id: e.trackId,
  album_id: e.albumId,
  artist_id: e.artistId,
  title: e.title,
  genre: e.genre,
  duration_ms: e.durationMs,
  explicit: e.explicit,
});

export interface SearchViewOptions {
  engine: SearchEngine;
  /** Put in front of every index and alias name (tests); lower case. */
  indexPrefix?: string;
  /** Refresh after each bulk (tests): documents are searchable when the batch commits. */
  refresh?: boolean;
}

export const aliasName = (index: SearchIndex, prefix = ""): string => `${prefix}${index}`;
export const indexName = (index: SearchIndex, version: number, prefix = ""): string =>
  `${prefix}${index}_v${version}`;

class SearchBatch {
  readonly rows: RowWriter;
  readonly artists = new Set<string>();
  readonly albums = new Set<string>();
  readonly tracks = new Set<string>();
  readonly posts = new Set<string>();

  constructor(
    private readonly scope: BatchScope,
    private readonly options: SearchViewOptions,
  ) {
    this.rows = new RowWriter(scope.schema, scope.columns);
  }

  private index(name: SearchIndex): string {
    return indexName(name, this.scope.version, this.options.indexPrefix);
  }

  async flush(client: PoolClient): Promise<void> {
    await this.rows.flush(client);
    const s = quote(this.scope.schema);
    const ops: BulkOperation[] = [];
    const artistIds = [...this.artists];
    const albumIds = [...this.albums];
    const trackIds = [...this.tracks];

    if (artistIds.length > 0) {
      const { rows } = await client.query(
        `select * from ${s}.artists where artist_id = any($1::uuid[])`,
        [artistIds],
      );
      for (const a of rows) {
        const version = Number(a.last_offset);
        ops.push(
          a.deleted
            ? { action: "delete", index: this.index("artists"), id: a.artist_id, version }
            : {
                action: "index",
                index: this.index("artists"),
                id: a.artist_id,
                version,
                document: {
                  artist_id: a.artist_id,
                  name: a.name,
                  country: a.country,
                  genres: a.genres,
                  bio: a.bio,
                  suggest: { input: [a.name] },
                },
              },
        );
      }
    }

    if (albumIds.length > 0 || artistIds.length > 0) {
      const { rows } = await client.query(
        `with bumped as (
           update ${s}.albums set doc_version = doc_version + 1
            where album_id = any($1::uuid[]) or artist_id = any($2::uuid[])
           returning *
         )
         select b.*, to_char(b.release_date, 'YYYY-MM-DD') as release, ar.name as artist_name
           from bumped b left join ${s}.artists ar on ar.artist_id = b.artist_id and not ar.deleted`,
        [albumIds, artistIds],
      );
      for (const a of rows) {
        const version = Number(a.doc_version);
        ops.push(
          a.deleted
            ? { action: "delete", index: this.index("albums"), id: a.album_id, version }
            : {
                action: "index",
                index: this.index("albums"),
                id: a.album_id,
                version,
                document: {
                  album_id: a.album_id,
                  title: a.title,
                  artist_id: a.artist_id,
                  artist_name: a.artist_name,
                  genre: a.genre,
                  release_date: a.release,
                  suggest: { input: [a.title] },
                },
              },
        );
      }
    }

    if (trackIds.length > 0 || albumIds.length > 0 || artistIds.length > 0) {
      const { rows } = await client.query(
        `with bumped as (
           update ${s}.tracks set doc_version = doc_version + 1
            where track_id = any($1::uuid[]) or album_id = any($2::uuid[]) or artist_id = any($3::uuid[])
           returning *
         )
         select b.*, al.title as album_title, ar.name as artist_name
           from bumped b
           left join ${s}.albums al on al.album_id = b.album_id and not al.deleted
           left join ${s}.artists ar on ar.artist_id = b.artist_id and not ar.deleted`,
        [trackIds, albumIds, artistIds],
      );
      for (const t of rows) {
        const version = Number(t.doc_version);
        ops.push(
          t.deleted
            ? { action: "delete", index: this.index("tracks"), id: t.track_id, version }
            : {
                action: "index",
                index: this.index("tracks"),
                id: t.track_id,
                version,
                document: {
                  track_id: t.track_id,
                  title: t.title,
                  album_id: t.album_id,
                  album_title: t.album_title,
                  artist_id: t.artist_id,
                  artist_name: t.artist_name,
                  genre: t.genre,
                  duration_ms: t.duration_ms,
                  explicit: t.explicit,
                  suggest: { input: [t.title] },
                },
              },
        );
      }
    }

    if (this.posts.size > 0) {
      const { rows } = await client.query(
        `select * from ${s}.posts where post_id = any($1::uuid[])`,
        [[...this.posts]],
      );
      for (const p of rows) {
        const version = Number(p.last_offset);
        ops.push(
          p.deleted
            ? { action: "delete", index: this.index("posts"), id: p.post_id, version }
            : {
                action: "index",
                index: this.index("posts"),
                id: p.post_id,
                version,
                document: {
                  post_id: p.post_id,
                  author_id: p.author_id,
                  artist_id: p.artist_id,
                  title: p.title,
                  body: p.body,
                  published_at: (p.published_at as Date).toISOString(),
                },
              },
        );
      }
    }

    if (ops.length === 0) return;
    const result = await this.options.engine.bulk(ops, { refresh: this.options.refresh ?? false });
    if (result.failures.length > 0) {
      const [first] = result.failures;
      // Retried by the sink (the transaction rolls back): a mapping error is a bug to fix.
      throw new Error(
        `search bulk: ${result.failures.length} of ${ops.length} failed, e.g. ${first?.id}: ${first?.status} ${first?.type} ${first?.reason}`,
      );
    }
  }
}

export function searchView(options: SearchViewOptions): ViewDefinition {
  const prefix = options.indexPrefix ?? "";
  const artist = ["artist_id"];
  const album = ["album_id"];
  const track = ["track_id"];
  const post = ["post_id"];
  const view = defineView<SearchBatch>({
    name: "search",
    database: "search",
    migrationsDir: join(import.meta.dirname, "migrations"),
    events: [
      ArtistCreated,
      ArtistUpdated,
      ArtistDeleted,
      AlbumCreated,
      AlbumUpdated,
      AlbumDeleted,
      TrackCreated,
      TrackUpdated,
      TrackDeleted,
      PostPublished,
      PostEdited,
      PostDeleted,
    ],
    state: (scope) => new SearchBatch(scope, options),
    handlers: [
      on(ArtistCreated, (e, b, r) => {
        b.rows.upsert("artists", artist, { ...artistColumns(e), deleted: false, ...written(r) });
        b.artists.add(e.artistId);
      }),
      on(ArtistUpdated, (e, b, r) => {
        b.rows.patch("artists", artist, { ...artistColumns(e), ...written(r) });
        b.artists.add(e.artistId);
      }),
      on(ArtistDeleted, (e, b, r) => {
        b.rows.patch("artists", artist, { artist_id: e.artistId, deleted: true, ...written(r) });
        b.artists.add(e.artistId);
      }),
      on(AlbumCreated, (e, b, r) => {
        b.rows.upsert("albums", album, { ...albumColumns(e), deleted: false, ...written(r) });
        b.albums.add(e.albumId);
      }),
      on(AlbumUpdated, (e, b, r) => {
        b.rows.patch("albums", album, { ...albumColumns(e), ...written(r) });
        b.albums.add(e.albumId);
      }),
      on(AlbumDeleted, (e, b, r) => {
        b.rows.patch("albums", album, { album_id: e.albumId, deleted: true, ...written(r) });
        b.albums.add(e.albumId);
      }),
      on(TrackCreated, (e, b, r) => {
        b.rows.upsert("tracks", track, { ...trackColumns(e), deleted: false, ...written(r) });
        b.tracks.add(e.trackId);
      }),
      on(TrackUpdated, (e, b, r) => {
        b.rows.patch("tracks", track, { ...trackColumns(e), ...written(r) });
        b.tracks.add(e.trackId);
      }),
      on(TrackDeleted, (e, b, r) => {
        b.rows.patch("tracks", track, { track_id: e.trackId, deleted: true, ...written(r) });
        b.tracks.add(e.trackId);
      }),
      on(PostPublished, (e, b, r) => {
        b.rows.upsert("posts", post, {
          post_id: e.postId,
          author_id: e.authorId,
          artist_id: e.artistId,
          title: e.title,
          body: e.body,
          deleted: false,
          published_at: e.occurredAt,
          ...written(r),
        });
        b.posts.add(e.postId);
      }),
      on(PostEdited, (e, b, r) => {
        b.rows.patch("posts", post, {
          post_id: e.postId,
          title: e.title,
          body: e.body,
          ...written(r),
        });
        b.posts.add(e.postId);
      }),
      on(PostDeleted, (e, b, r) => {
        b.rows.patch("posts", post, { post_id: e.postId, deleted: true, ...written(r) });
        b.posts.add(e.postId);
      }),
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
