/**
 * GET /api/listening/tracks/:trackId/plays (counters), /trending (plays of the last
 * window, counted from the listening view's plays rows), /me/history (the caller's plays).
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { caller } from "../http/request-context.ts";
import { Uuid } from "../http/schemas.ts";
import type { ReadPluginOptions } from "./context.ts";
import { decodeCursor, limitOf, page } from "./cursor.ts";
import { iso, Page, pagination, Query, readResponses, Timestamp, waitForAfter } from "./http.ts";

const Counters = Type.Object(
  {
    trackId: Type.String(),
    plays: Type.Integer(),
    completedPlays: Type.Integer(),
    listenedMs: Type.Integer(),
    likes: Type.Integer(),
    lastPlayedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

const Trending = Type.Object(
  {
    source: Type.Literal("listening.plays"),
    windowMinutes: Type.Integer(),
    since: Timestamp,
    items: Type.Array(
      Type.Object(
        {
          rank: Type.Integer(),
          trackId: Type.String(),
          plays: Type.Integer(),
          completedPlays: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Play = Type.Object(
  {
    playId: Type.String(),
    trackId: Type.String(),
    listenedMs: Type.Integer(),
    trackDurationMs: Type.Integer(),
    completed: Type.Boolean(),
    source: Type.String(),
    playedAt: Timestamp,
  },
  { additionalProperties: false },
);

interface PlayRow {
  play_id: string;
  track_id: string;
  listened_ms: number;
  track_duration_ms: number;
  completed: boolean;
  source: string;
  played_at: Date;
  k: string;
}

const listeningReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("listening");
  const preHandler = waitForAfter(view);
  const tags = ["listening"];

  app.get(
    "/tracks/:trackId/plays",
    {
      schema: {
        tags,
        summary: "A track's play and like counts (zeros for a track never played)",
        params: Type.Object({ trackId: Uuid }, { additionalProperties: false }),
        querystring: Query({}),
        response: readResponses({ 200: Counters }),
      },
      preHandler,
    },
    async (req) => {
      // The listening view does not know the catalog: no row means no plays yet, not 404.
      const [c] = await view.query<{
        plays: string;
        completed_plays: string;
        listened_ms: string;
        likes: string;
        last_played_at: Date | null;
      }>(
        `select plays, completed_plays, listened_ms, likes, last_played_at
           from ${view.table("track_counters")} where track_id = $1`,
        [req.params.trackId],
      );
      return {
        trackId: req.params.trackId,
        plays: Number(c?.plays ?? 0),
        completedPlays: Number(c?.completed_plays ?? 0),
        listenedMs: Number(c?.listened_ms ?? 0),
        likes: Number(c?.likes ?? 0),
        lastPlayedAt: iso(c?.last_played_at ?? null),
      };
    },
  );

  app.get(
    "/trending",
    {
      schema: {
        tags,
        summary:
          "Most played tracks of the last window (default 60 min, at most 1440), counted from the listening view's plays",
        querystring: Query({
          windowMinutes: Type.Optional(
            Type.String({ pattern: "^(?:[1-9][0-9]{0,2}|1[0-3][0-9]{2}|14[0-3][0-9]|1440)$" }),
          ),
          limit: pagination.limit,
        }),
        response: readResponses({ 200: Trending }),
      },
      preHandler,
    },
    async (req) => {
      const windowMinutes = Number(req.query.windowMinutes ?? 60);
      const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
      const rows = await view.query<{
        track_id: string;
        plays: number;
        completed_plays: number;
        since: Date;
      }>(
        `select track_id, count(*)::int as plays, (count(*) filter (where completed))::int as completed_plays,
                now() - make_interval(mins => $1) as since
           from ${view.table("plays")}
          where played_at > now() - make_interval(mins => $1)
          group by track_id order by plays desc, track_id limit $2`,
        [windowMinutes, limit],
      );
      const since = rows[0]?.since ?? new Date(Date.now() - windowMinutes * 60_000);
      return {
        source: "listening.plays" as const,
        windowMinutes,
        since: iso(since) as string,
        items: rows.map((r, i) => ({
          rank: i + 1,
          trackId: r.track_id,
          plays: r.plays,
          completedPlays: r.completed_plays,
        })),
      };
    },
  );

  app.get(
    "/me/history",
    {
      schema: {
        tags,
        summary: "The caller's plays, newest first (keyset pages)",
        security: [{ bearer: [] }],
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Play) }),
      },
      onRequest: reads.ctx.auth.require(),
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("history", "timestamp", req.query.cursor);
      const rows = await view.query<PlayRow>(
        `select play_id, track_id, listened_ms, track_duration_ms, completed, source, played_at,
                to_json(played_at) #>> '{}' as k
           from ${view.table("plays")}
          where user_id = $1
            and ($2::timestamptz is null or (played_at, play_id) < ($2::timestamptz, $3::uuid))
          order by played_at desc, play_id desc limit $4`,
        [me.userId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "history",
        rows,
        limit,
        (r) => ({ key: r.k, id: r.play_id }),
        (r) => ({
          playId: r.play_id,
          trackId: r.track_id,
          listenedMs: r.listened_ms,
          trackDurationMs: r.track_duration_ms,
          completed: r.completed,
          source: r.source,
          playedAt: iso(r.played_at) as string,
        }),
      );
    },
  );
};

export default listeningReads;
