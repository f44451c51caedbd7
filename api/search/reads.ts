/**
 * GET /api/search?q&type (full text with highlights, keyset or `from` pages) and
 * GET /api/search/suggest?q (completion), through the search aliases. When the engine
 * cannot answer: 503 search_unavailable; the Postgres routes are not affected.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  type SearchEngine,
  type SearchRequest,
  type SearchResult,
  SearchUnavailableError,
} from "../../platform/search/engine.ts";
import {
  aliasName,
  type SearchDocuments,
  type SearchIndex,
  searchIndices,
  versionedIndexOf,
} from "../../sinks/search/contract.ts";
import { badRequest, unavailable } from "../http/errors.ts";
import type { ReadPluginOptions } from "../read/context.ts";
import { decodeCursor, encodeCursor, limitOf } from "../read/cursor.ts";
import { NullableString, pagination, Query, readResponses, waitForAfter } from "../read/http.ts";
import { nameQuery, suggestQuery, trackQuery } from "./queries.ts";

const oneLine = "^(?=.*\\S)[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/** What is searched for: one line, NFC (the documents hold NFC text), visible (api/http/text.ts). */
const SearchText = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: oneLine, "x-vobe-text": "text" });

const TrackDoc = Type.Object(
  {
    trackId: Type.String(),
    title: Type.String(),
    albumId: Type.String(),
    albumTitle: NullableString,
    artistId: Type.String(),
    artistName: NullableString,
    genre: Type.String(),
    durationMs: Type.Integer(),
    explicit: Type.Boolean(),
  },
  { additionalProperties: false },
);
const ArtistDoc = Type.Object(
  {
    artistId: Type.String(),
    name: Type.String(),
    country: NullableString,
    genres: Type.Array(Type.String()),
    bio: NullableString,
  },
  { additionalProperties: false },
);
const AlbumDoc = Type.Object(
  {
    albumId: Type.String(),
    title: Type.String(),
    artistId: Type.String(),
    artistName: NullableString,
    genre: Type.String(),
    releaseDate: Type.String(),
  },
  { additionalProperties: false },
);
const PostDoc = Type.Object(
  {
    postId: Type.String(),
    authorId: Type.String(),
    artistId: NullableString,
    artistName: NullableString,
    title: Type.String(),
    body: Type.String(),
    publishedAt: Type.String(),
    comments: Type.Integer(),
  },
  { additionalProperties: false },
);

const SearchType = Type.Union([
  Type.Literal("tracks"),
  Type.Literal("artists"),
  Type.Literal("albums"),
  Type.Literal("posts"),
]);

const SearchReply = Type.Object(
  {
    type: SearchType,
    total: Type.Integer(),
    items: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          score: Type.Union([Type.Number(), Type.Null()]),
          /** Fragments with the matches in <em>…</em>, HTML-escaped otherwise. */
          highlights: Type.Record(Type.String(), Type.Array(Type.String())),
          document: Type.Union([TrackDoc, ArtistDoc, AlbumDoc, PostDoc]),
        },
        { additionalProperties: false },
      ),
    ),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const SuggestReply = Type.Object(
  {
    suggestions: Type.Array(
      Type.Object(
        {
          text: Type.String(),
          type: Type.Union([
            Type.Literal("tracks"),
            Type.Literal("artists"),
            Type.Literal("albums"),
          ]),
          id: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Per type: the id field (the keyset tie-breaker), the query, the highlighted fields, the document. */
interface Kind<D> {
  id: keyof D & string;
  query: (q: string) => SearchRequest;
  highlight: string[];
  doc: (s: D) => object;
}

const kinds: { [K in SearchIndex]: Kind<SearchDocuments[K]> } = {
  tracks: {
    id: "track_id",
    query: (q) => trackQuery(q),
    highlight: [
      "title",
      "title.prefix",
      "artist_name",
      "artist_name.prefix",
      "album_title",
      "album_title.prefix",
    ],
    doc: (s) => ({
      trackId: s.track_id,
      title: s.title,
      albumId: s.album_id,
      albumTitle: s.album_title,
      artistId: s.artist_id,
      artistName: s.artist_name,
      genre: s.genre,
      durationMs: s.duration_ms,
      explicit: s.explicit,
    }),
  },
  artists: {
    id: "artist_id",
    query: (q) => nameQuery("name", q),
    highlight: ["name", "name.prefix"],
    doc: (s) => ({
      artistId: s.artist_id,
      name: s.name,
      country: s.country ?? null,
      genres: s.genres ?? [],
      bio: s.bio ?? null,
    }),
  },
  albums: {
    id: "album_id",
    query: (q) => nameQuery("title", q),
    highlight: ["title", "title.prefix"],
    doc: (s) => ({
      albumId: s.album_id,
      title: s.title,
      artistId: s.artist_id,
      artistName: s.artist_name,
      genre: s.genre,
      releaseDate: s.release_date,
    }),
  },
  posts: {
    id: "post_id",
    query: (q) => ({
      query: {
        multi_match: { query: q, type: "most_fields", fields: ["title^3", "title.prefix", "body"] },
      },
    }),
    highlight: ["title", "title.prefix", "body"],
    doc: (s) => ({
      postId: s.post_id,
      authorId: s.author_id,
      artistId: s.artist_id,
      artistName: s.artist_name,
      title: s.title,
      body: s.body,
      publishedAt: s.published_at,
      comments: s.comments,
    }),
  },
};

/** `title.prefix` fragments count as `title` ones; each fragment once. */
function mergeHighlights(raw: Record<string, string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [field, fragments] of Object.entries(raw ?? {})) {
    const name = field.replace(/\.prefix$/, "");
    out[name] = [...new Set([...(out[name] ?? []), ...fragments])];
  }
  return out;
}

/** What the engine's failure means for the client. */
function engineError(error: unknown): unknown {
  if (error instanceof SearchUnavailableError) {
    return unavailable("search_unavailable", error.message);
  }
  const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
  if (status === 404) {
    return unavailable(
      "search_unavailable",
      "the search indices do not exist yet (the search view has not been built)",
    );
  }
  return error;
}

type Source = Record<string, unknown>;

const searchReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("search");
  const prefix = reads.placement.indexPrefix ?? "";
  const engine = async (): Promise<SearchEngine> => {
    try {
      return await reads.search();
    } catch (error) {
      throw engineError(error);
    }
  };
  // After the view's positions are reached the documents are indexed, but only a refresh
  // makes them searchable before the engine's own. Every alias: one record can re-index
  // documents of several (an artist's rename re-indexes its albums and tracks).
  const aliases = searchIndices.map((name) => aliasName(name, prefix)).join(",");
  const refreshAfter = async (req: FastifyRequest, _reply: FastifyReply) => {
    if ((req.query as { after?: string }).after === undefined) return;
    try {
      await (await engine()).refresh(aliases);
    } catch (error) {
      throw engineError(error);
    }
  };

  app.get(
    "/",
    {
      schema: {
        tags: ["search"],
        summary:
          "Full-text search of tracks, artists, albums or posts, with highlights (keyset pages by cursor, or from)",
        querystring: Query({
          q: SearchText(200),
          type: Type.Optional(SearchType),
          from: Type.Optional(Type.String({ pattern: "^[0-9]{1,4}$", description: "0..9999" })),
          ...pagination,
        }),
        response: readResponses({ 200: SearchReply }),
      },
      preHandler: [waitForAfter(view), refreshAfter],
    },
    async (req) => {
      const type = req.query.type ?? "tracks";
      // A hit's source is a document of the index searched: the one `kind` reads.
      const kind = kinds[type] as unknown as Kind<Source>;
      const limit = limitOf(req.query.limit);
      const list = `search:${type}:${req.query.q}`;
      if (req.query.cursor !== undefined && req.query.from !== undefined) {
        throw badRequest("invalid_request", "use cursor or from, not both", [
          { path: "query.from", message: "not with cursor" },
        ]);
      }
      const after = decodeCursor(list, "number", req.query.cursor);
      const from = Number(req.query.from ?? 0);
      if (from + limit > 10_000) {
        throw badRequest("invalid_request", "from + limit may not exceed 10000; use cursor", [
          { path: "query.from", message: "too deep" },
        ]);
      }
      const request: SearchRequest = {
        ...kind.query(req.query.q),
        size: limit + 1,
        sort: [{ _score: "desc" }, { [kind.id]: "asc" }],
        highlight: {
          encoder: "html",
          pre_tags: ["<em>"],
          post_tags: ["</em>"],
          fields: Object.fromEntries(kind.highlight.map((f) => [f, {}])),
        },
        ...(after ? { search_after: [after.key, after.id] } : {}),
        ...(from > 0 ? { from } : {}),
      };
      let result: SearchResult<Source>;
      try {
        result = await (await engine()).search<Source>(aliasName(type, prefix), request);
      } catch (error) {
        throw engineError(error);
      }
      const shown = result.hits.slice(0, limit);
      const last = shown.at(-1);
      return {
        type,
        total: result.total,
        items: shown.map((hit) => ({
          id: hit.id,
          score: hit.score,
          highlights: mergeHighlights(hit.highlight),
          document: kind.doc(hit.source) as never,
        })),
        nextCursor:
          result.hits.length > limit && last ? encodeCursor(list, last.score ?? 0, last.id) : null,
      };
    },
  );

  const suggestTypes = ["tracks", "artists", "albums"] as const;
  app.get(
    "/suggest",
    {
      schema: {
        tags: ["search"],
        summary: "Completions of a prefix among track, artist and album names",
        querystring: Query({
          q: SearchText(100),
          limit: Type.Optional(
            Type.String({ pattern: "^(?:[1-9]|1[0-9]|20)$", description: "1..20, default 5" }),
          ),
        }),
        response: readResponses({ 200: SuggestReply }),
      },
      preHandler: [waitForAfter(view), refreshAfter],
    },
    async (req) => {
      const size = req.query.limit === undefined ? 5 : Number(req.query.limit);
      let result: Awaited<ReturnType<SearchEngine["search"]>>;
      try {
        result = await (await engine()).search(
          suggestTypes.map((t) => aliasName(t, prefix)).join(","),
          suggestQuery(req.query.q, size),
        );
      } catch (error) {
        throw engineError(error);
      }
      const entries = (result.suggest?.names ?? []) as Array<{
        options?: Array<{ text: string; _index: string; _id: string }>;
      }>;
      const suggestions = entries
        .flatMap((e) => e.options ?? [])
        .map((o) => {
          const type = versionedIndexOf(o._index, prefix);
          return type !== undefined && type !== "posts" ? { text: o.text, type, id: o._id } : null;
        })
        .filter((s) => s !== null)
        .slice(0, size);
      return { suggestions };
    },
  );
};

export default searchReads;
