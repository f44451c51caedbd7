/**
 * GET /api/comment/posts/:postId/comments: a post's comments, oldest first, deleted ones
 * left out. The comment view does not know posts: an unknown post has no comments (200).
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { Uuid } from "../http/schemas.ts";
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

export const Comment = Type.Object(
  {
    commentId: Type.String(),
    postId: Type.String(),
    authorId: Type.String(),
    parentCommentId: NullableString,
    body: Type.String(),
    createdAt: Timestamp,
    editedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

interface CommentRow {
  comment_id: string;
  post_id: string;
  author_id: string;
  parent_comment_id: string | null;
  body: string;
  created_at: Date;
  edited_at: Date | null;
  k: string;
}

const commentReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("comment");

  app.get(
    "/posts/:postId/comments",
    {
      schema: {
        tags: ["comment"],
        summary: "A post's comments, oldest first (keyset pages; deleted ones are left out)",
        params: Type.Object({ postId: Uuid }, { additionalProperties: false }),
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Comment) }),
      },
      preHandler: waitForAfter(view),
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("comments", "timestamp", req.query.cursor);
      const rows = await view.query<CommentRow>(
        `select comment_id, post_id, author_id, parent_comment_id, body, created_at, edited_at,
                to_json(created_at) #>> '{}' as k
           from ${view.table("comments")}
          where post_id = $1 and not deleted
            and ($2::timestamptz is null or (created_at, comment_id) > ($2::timestamptz, $3::uuid))
          order by created_at, comment_id limit $4`,
        [req.params.postId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "comments",
        rows,
        limit,
        (r) => ({ key: r.k, id: r.comment_id }),
        (r) => ({
          commentId: r.comment_id,
          postId: r.post_id,
          authorId: r.author_id,
          parentCommentId: r.parent_comment_id,
          body: r.body,
          createdAt: iso(r.created_at) as string,
          editedAt: iso(r.edited_at),
        }),
      );
    },
  );
};

export default commentReads;
