/** GET /api/feedback: the triage list (admins only), oldest first, optionally by status. */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { ReadPluginOptions } from "../read/context.ts";
import { decodeCursor, limitOf, page } from "../read/cursor.ts";
import {
  iso,
  NullableString,
  Page,
  pagination,
  Query,
  readResponses,
  Timestamp,
  waitForAfter,
} from "../read/http.ts";

const Status = Type.Union([
  Type.Literal("submitted"),
  Type.Literal("triaged"),
  Type.Literal("resolved"),
]);

const Item = Type.Object(
  {
    feedbackId: Type.String(),
    userId: NullableString,
    category: Type.String(),
    message: Type.String(),
    page: NullableString,
    status: Status,
    priority: NullableString,
    assigneeId: NullableString,
    triageNote: NullableString,
    resolution: NullableString,
    resolutionNote: NullableString,
    submittedAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

type Row = Record<string, unknown> & { feedback_id: string; k: string };

const feedbackReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("feedback");

  app.get(
    "/",
    {
      schema: {
        tags: ["feedback"],
        summary: "Feedback to triage, oldest first (admins; keyset pages)",
        security: [{ bearer: [] }],
        querystring: Query({ status: Type.Optional(Status), ...pagination }),
        response: readResponses({ 200: Page(Item) }),
      },
      onRequest: reads.ctx.auth.require("admin"),
      preHandler: waitForAfter(view),
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("feedback", "timestamp", req.query.cursor);
      const rows = await view.query<Row>(
        `select *, to_json(submitted_at) #>> '{}' as k from ${view.table("items")}
          where ($1::text is null or status = $1)
            and ($2::timestamptz is null or (submitted_at, feedback_id) > ($2::timestamptz, $3::uuid))
          order by submitted_at, feedback_id limit $4`,
        [req.query.status ?? null, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "feedback",
        rows,
        limit,
        (r) => ({ key: r.k, id: r.feedback_id }),
        (r) => ({
          feedbackId: r.feedback_id,
          userId: r.user_id as string | null,
          category: r.category as string,
          message: r.message as string,
          page: r.page as string | null,
          status: r.status as "submitted" | "triaged" | "resolved",
          priority: r.priority as string | null,
          assigneeId: r.assignee_id as string | null,
          triageNote: r.triage_note as string | null,
          resolution: r.resolution as string | null,
          resolutionNote: r.resolution_note as string | null,
          submittedAt: iso(r.submitted_at as Date) as string,
          updatedAt: iso(r.updated_at as Date) as string,
        }),
      );
    },
  );
};

export default feedbackReads;
