/**
 * GET /api/comment/tracks/:trackId/moments: a track's moments in the order of the track (by
 * their point in it), deleted ones left out. The moments view does not know tracks: an
 * unknown track has no moments (200).
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { Uuid } from "../http/schemas.ts";
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

export const Moment = Type.Object(
  {
    momentId: Type.String(),
    trackId: Type.String(),
    authorId: Type.String(),
    atMs: Type.Integer({ minimum: 0 }),
    body: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

interface MomentRow {
  moment_id: string;
  track_id: string;
  author_id: string;
  at_ms: string;
  body: string;
  created_at: Date;
}

const momentReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("moments");

  app.get(
    "/tracks/:trackId/moments",
    {
      schema: {
        tags: ["comment"],
        summary:
          "A track's moments, by their point in the track (keyset pages; deleted ones left out)",
        params: Type.Object({ trackId: Uuid }, { additionalProperties: false }),
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Moment) }),
      },
      preHandler: waitForAfter(view),
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("moments", "number", req.query.cursor);
      const rows = await view.query<MomentRow>(
        `select moment_id, track_id, author_id, at_ms, body, created_at
           from ${view.table("track_moments")}
          where track_id = $1 and not deleted
            and ($2::bigint is null or (at_ms, moment_id) > ($2::bigint, $3::uuid))
          order by at_ms, moment_id limit $4`,
        [req.params.trackId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "moments",
        rows,
        limit,
        (r) => ({ key: Number(r.at_ms), id: r.moment_id }),
        (r) => ({
          momentId: r.moment_id,
          trackId: r.track_id,
          authorId: r.author_id,
          atMs: Number(r.at_ms),
          body: r.body,
          createdAt: iso(r.created_at) as string,
        }),
      );
    },
  );
};

export default momentReads;
