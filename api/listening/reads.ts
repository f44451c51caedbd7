/**
 * GET /api/listening/tracks/:trackId/plays (a track's play and like counts),
 * /tracks/:trackId/hourly (its plays per closed hour), /trending (the most played tracks
 * of the last closed hour), /me/history (the caller's plays), /me/likes (the caller's
 * library), /me/liked (whether the caller likes tracks), /stats/tracks (several tracks'
 * counts and trending places, for an artist's dashboard).
 *
 * The counts and lists are the processors' (vobe-plays-per-track, vobe-track-like-counts,
 * vobe-trending-tracks), as the listening view stored them: nothing is counted here.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { caller } from "../http/request-context.ts";
import { IdList, idsOf, Uuid } from "../http/schemas.ts";
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
    source: Type.Literal("listening.trending"),
    windowStart: Type.Union([Timestamp, Type.Null()], {
      description: "Start of the hour ranked (inclusive); null before any hour has closed",
    }),
    windowEnd: Type.Union([Timestamp, Type.Null()], {
      description: "End of the hour ranked (exclusive); a new hour closes every 5 minutes",
    }),
    items: Type.Array(
      Type.Object(
        { rank: Type.Integer(), trackId: Type.String(), plays: Type.Integer() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const Hour = Type.Object(
  { windowStart: Timestamp, windowEnd: Timestamp, plays: Type.Integer() },
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

const LikedTrack = Type.Object(
  { trackId: Type.String(), likedAt: Timestamp },
  { additionalProperties: false },
);

const LikeState = Type.Object(
  {
    trackId: Type.String(),
    liked: Type.Boolean(),
    likedAt: Type.Union([Timestamp, Type.Null()], {
      description: "Since when (the first like of the current run); null when not liked",
    }),
  },
  { additionalProperties: false },
);

const TrackStats = Type.Object(
  {
    ...Counters.properties,
    trendingRank: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: "Its place in the last closed hour's trending list; null when not on it",
    }),
  },
  { additionalProperties: false },
);

/** An album's or an artist's tracks in one call. */
const TrackIds = IdList(100, "Track ids");

/** The key of listening.trending's one list (processors/topologies/trending-tracks.ts). */
const trendingList = "last-hour";

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
        plays: string | null;
        completed_plays: string | null;
        listened_ms: string | null;
        likes: string | null;
        last_played_at: Date | null;
      }>(
        `select p.plays, p.completed_plays, p.listened_ms, l.likes, p.last_played_at
           from (select $1::uuid as track_id) t
           left join ${view.table("track_play_counts")} p using (track_id)
           left join ${view.table("track_like_counts")} l using (track_id)`,
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
    "/tracks/:trackId/hourly",
    {
      schema: {
        tags,
        summary:
          "A track's plays per clock hour, newest first (keyset pages): each hour once it is final, 5 minutes after it ends",
        params: Type.Object({ trackId: Uuid }, { additionalProperties: false }),
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Hour) }),
      },
      preHandler,
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("hourly", "timestamp", req.query.cursor);
      const rows = await view.query<{
        window_start: Date;
        window_end: Date;
        plays: string;
        k: string;
      }>(
        `select window_start, window_end, plays, to_json(window_start) #>> '{}' as k
           from ${view.table("track_plays_hourly")}
          where track_id = $1 and ($2::timestamptz is null or window_start < $2::timestamptz)
          order by window_start desc limit $3`,
        [req.params.trackId, after?.key ?? null, limit + 1],
      );
      return page(
        "hourly",
        rows,
        limit,
        (r) => ({ key: r.k, id: req.params.trackId }),
        (r) => ({
          windowStart: iso(r.window_start) as string,
          windowEnd: iso(r.window_end) as string,
          plays: Number(r.plays),
        }),
      );
    },
  );

  app.get(
    "/trending",
    {
      schema: {
        tags,
        summary:
          "The most played tracks of the last closed hour (hours close every 5 minutes, 1 minute after they end), as vobe-trending-tracks ranked them",
        querystring: Query({
          limit: Type.Optional(
            Type.String({ pattern: "^(?:[1-9]|10)$", description: "1..10, default 10" }),
          ),
        }),
        response: readResponses({ 200: Trending }),
      },
      preHandler,
    },
    async (req) => {
      const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
      const [list] = await view.query<{
        window_start: Date;
        window_end: Date;
        tracks: Array<{ trackId: string; plays: number }>;
      }>(`select window_start, window_end, tracks from ${view.table("trending")} where list = $1`, [
        trendingList,
      ]);
      return {
        source: "listening.trending" as const,
        windowStart: iso(list?.window_start ?? null),
        windowEnd: iso(list?.window_end ?? null),
        items: (list?.tracks ?? []).slice(0, limit).map((t, i) => ({
          rank: i + 1,
          trackId: t.trackId,
          plays: Number(t.plays),
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

  app.get(
    "/me/likes",
    {
      schema: {
        tags,
        summary:
          "My library: the tracks I like, most recently liked first (keyset pages; a second like does not move a track)",
        security: [{ bearer: [] }],
        querystring: Query(pagination),
        response: readResponses({ 200: Page(LikedTrack) }),
      },
      onRequest: reads.ctx.auth.require(),
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("library", "timestamp", req.query.cursor);
      const rows = await view.query<{ track_id: string; liked_at: Date; k: string }>(
        `select track_id, liked_at, to_json(liked_at) #>> '{}' as k
           from ${view.table("user_likes")}
          where user_id = $1 and liked
            and ($2::timestamptz is null or (liked_at, track_id) < ($2::timestamptz, $3::uuid))
          order by liked_at desc, track_id desc limit $4`,
        [me.userId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "library",
        rows,
        limit,
        (r) => ({ key: r.k, id: r.track_id }),
        (r) => ({ trackId: r.track_id, likedAt: iso(r.liked_at) as string }),
      );
    },
  );

  app.get(
    "/me/liked",
    {
      schema: {
        tags,
        summary: "Whether I like each of these tracks (in the order asked)",
        security: [{ bearer: [] }],
        querystring: Query({ trackIds: TrackIds }),
        response: readResponses({
          200: Type.Object({ items: Type.Array(LikeState) }, { additionalProperties: false }),
        }),
      },
      onRequest: reads.ctx.auth.require(),
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const ids = idsOf(req.query.trackIds);
      const rows = await view.query<{ track_id: string; liked_at: Date }>(
        `select track_id, liked_at from ${view.table("user_likes")}
          where user_id = $1 and liked and track_id = any($2::uuid[])`,
        [me.userId, ids],
      );
      const liked = new Map(rows.map((r) => [r.track_id, r.liked_at]));
      return {
        items: ids.map((trackId) => ({
          trackId,
          liked: liked.has(trackId),
          likedAt: iso(liked.get(trackId) ?? null),
        })),
      };
    },
  );

  app.get(
    "/stats/tracks",
    {
      schema: {
        tags,
        summary:
          "Plays, likes and trending place of several tracks (an artist's dashboard), as the processors counted them",
        querystring: Query({ trackIds: TrackIds }),
        response: readResponses({
          200: Type.Object(
            {
              trendingWindowEnd: Type.Union([Timestamp, Type.Null()], {
                description: "End of the hour the trending places are of; null before any",
              }),
              items: Type.Array(TrackStats),
            },
            { additionalProperties: false },
          ),
        }),
      },
      preHandler,
    },
    async (req) => {
      const ids = idsOf(req.query.trackIds);
      const rows = await view.query<{
        track_id: string;
        plays: string | null;
        completed_plays: string | null;
        listened_ms: string | null;
        likes: string | null;
        last_played_at: Date | null;
      }>(
        `select t.track_id, p.plays, p.completed_plays, p.listened_ms, l.likes, p.last_played_at
           from unnest($1::uuid[]) as t(track_id)
           left join ${view.table("track_play_counts")} p using (track_id)
           left join ${view.table("track_like_counts")} l using (track_id)`,
        [ids],
      );
      const [list] = await view.query<{
        window_end: Date;
        tracks: Array<{ trackId: string }>;
      }>(`select window_end, tracks from ${view.table("trending")} where list = $1`, [
        trendingList,
      ]);
      const rank = new Map((list?.tracks ?? []).map((t, i) => [t.trackId, i + 1]));
      const byId = new Map(rows.map((r) => [r.track_id, r]));
      return {
        trendingWindowEnd: iso(list?.window_end ?? null),
        items: ids.map((trackId) => {
          const c = byId.get(trackId);
          return {
            trackId,
            plays: Number(c?.plays ?? 0),
            completedPlays: Number(c?.completed_plays ?? 0),
            listenedMs: Number(c?.listened_ms ?? 0),
            likes: Number(c?.likes ?? 0),
            lastPlayedAt: iso(c?.last_played_at ?? null),
            trendingRank: rank.get(trackId) ?? null,
          };
        }),
      };
    },
  );
};

export default listeningReads;
