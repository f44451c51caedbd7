import { join } from "node:path";
import { CommentAdded, CommentDeleted, CommentEdited } from "../../../schemas/generated/comment.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, on, type RowWriter, written } from "../../engine/index.ts";

const key = ["comment_id"];

/** Comments by post (comment database). */
export const commentView = defineView<RowWriter>({
  name: "comment",
  ...viewContracts.comment,
  migrationsDir: join(import.meta.dirname, "migrations"),
  handlers: [
    on(CommentAdded, (e, rows, r) =>
      rows.upsert("comments", key, {
        comment_id: e.commentId,
        post_id: e.postId,
        author_id: e.authorId,
        parent_comment_id: e.parentCommentId,
        body: e.body,
        deleted: false,
        created_at: e.occurredAt,
        edited_at: null,
        deleted_at: null,
        ...written(r),
      }),
    ),
    on(CommentEdited, (e, rows, r) =>
      rows.patch("comments", key, {
        comment_id: e.commentId,
        body: e.body,
        edited_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(CommentDeleted, (e, rows, r) =>
      rows.patch("comments", key, {
        comment_id: e.commentId,
        deleted: true,
        deleted_at: e.occurredAt,
        ...written(r),
      }),
    ),
  ],
});
