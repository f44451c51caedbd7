/**
 * GET /api/listening/me/playlists (the caller's playlists) and /playlists/:playlistId (one
 * playlist with its entries: its owner's, or anyone's when it is public — the share link).
 * Rows are vobe-playlist-snapshots' records as the playlists view stored them.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { notFound } from "../http/errors.ts";
import { caller } from "../http/request-context.ts";
import type { ReadPluginOptions } from "../read/context.ts";
import { decodeCursor, limitOf, page } from "../read/cursor.ts";
import {
  iso,
  Page,
  pagination,
  Query,
  readResponses,
  Timestamp,
  waitForAfter,
} from "../read/http.ts";
import { PlaylistParams, Visibility } from "./schemas.ts";

const Summary = {
  playlistId: Type.String(),
  ownerId: Type.String(),
  name: Type.String(),
  visibility: Visibility,
  trackCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};
const PlaylistSummary = Type.Object(Summary, { additionalProperties: false });
const Entry = Type.Object(
  { entryId: Type.String(), trackId: Type.String(), addedAt: Timestamp },
  { additionalProperties: false },
);
const Playlist = Type.Object(
  {
    ...Summary,
    mine: Type.Boolean({ description: "Whether the caller owns it (and may change it)" }),
    entries: Type.Array(Entry, { description: "In order, the top first" }),
  },
  { additionalProperties: false },
);

interface Row {
  playlist_id: string;
  owner_id: string;
  name: string;
  visibility: "private" | "public";
  track_count: number;
  created_at: Date;
  updated_at: Date;
}

const summary = (r: Row) => ({
  playlistId: r.playlist_id,
  ownerId: r.owner_id,
  name: r.name,
  visibility: r.visibility,
  trackCount: r.track_count,
  createdAt: iso(r.created_at) as string,
  updatedAt: iso(r.updated_at) as string,
});

const columns = "playlist_id, owner_id, name, visibility, track_count, created_at, updated_at";

const playlistReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("playlists");
  const preHandler = waitForAfter(view);
  const tags = ["listening"];

  app.get(
    "/me/playlists",
    {
      schema: {
        tags,
        summary: "My playlists, most recently changed first (keyset pages)",
        security: [{ bearer: [] }],
        querystring: Query(pagination),
        response: readResponses({ 200: Page(PlaylistSummary) }),
      },
      onRequest: reads.ctx.auth.require(),
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("playlists", "timestamp", req.query.cursor);
      const rows = await view.query<Row & { k: string }>(
        `select ${columns}, to_json(updated_at) #>> '{}' as k
           from ${view.table("playlists")}
          where owner_id = $1 and not deleted
            and ($2::timestamptz is null or (updated_at, playlist_id) < ($2::timestamptz, $3::uuid))
          order by updated_at desc, playlist_id desc limit $4`,
        [me.userId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page("playlists", rows, limit, (r) => ({ key: r.k, id: r.playlist_id }), summary);
    },
  );

  app.get(
    "/playlists/:playlistId",
    {
      schema: {
        tags,
        summary:
          "A playlist with its entries in order: my own, or anyone's that is public (its share link); another's private playlist is 404 like a missing one",
        params: PlaylistParams,
        querystring: Query({}),
        response: readResponses({ 200: Playlist }),
      },
      onRequest: reads.ctx.auth.optional(),
      preHandler,
    },
    async (req) => {
      const me = req.user?.userId ?? null;
      const [row] = await view.query<
        Row & { entries: Array<{ entryId: string; trackId: string; addedAt: string }> }
      >(
        `select ${columns}, entries from ${view.table("playlists")}
          where playlist_id = $1 and not deleted`,
        [req.params.playlistId],
      );
      if (!row || (row.owner_id !== me && row.visibility !== "public")) {
        throw notFound("playlist", req.params.playlistId, "params.playlistId");
      }
      return { ...summary(row), mine: row.owner_id === me, entries: row.entries };
    },
  );
};

export default playlistReads;
