import { join } from "node:path";
import { PostDeleted, PostEdited, PostPublished } from "../../../schemas/generated/content.ts";
import { defineView, on, type RowWriter, written } from "../../engine/index.ts";

const key = ["post_id"];

/** Posts (content database); a deleted post keeps its row with deleted = true. */
export const contentView = defineView<RowWriter>({
  name: "content",
  database: "content",
  migrationsDir: join(import.meta.dirname, "migrations"),
  events: [PostPublished, PostEdited, PostDeleted],
  handlers: [
    on(PostPublished, (e, rows, r) =>
      rows.upsert("posts", key, {
        post_id: e.postId,
        author_id: e.authorId,
        artist_id: e.artistId,
        title: e.title,
        body: e.body,
        deleted: false,
        published_at: e.occurredAt,
        edited_at: null,
        deleted_at: null,
        ...written(r),
      }),
    ),
    on(PostEdited, (e, rows, r) =>
      rows.patch("posts", key, {
        post_id: e.postId,
        title: e.title,
        body: e.body,
        edited_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(PostDeleted, (e, rows, r) =>
      rows.patch("posts", key, {
        post_id: e.postId,
        deleted: true,
        deleted_at: e.occurredAt,
        ...written(r),
      }),
    ),
  ],
});
