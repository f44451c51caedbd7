import { join } from "node:path";
import { PostDetail } from "../../../schemas/generated/content.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, onState, type RowWriter, written } from "../../engine/index.ts";

const key = ["post_id"];

/**
 * Posts (content database) as the post-details topology derives them: the post with its
 * artist's name and its comment count. The view maps records to rows and computes nothing;
 * a tombstone (the post was deleted) keeps the row with deleted = true. A post published and
 * deleted within one commit of the topology's record cache arrives as the tombstone alone
 * and leaves no row: the reads never show deleted posts, so the two are the same to them.
 */
export const contentView = defineView<RowWriter>({
  name: "content",
  ...viewContracts.content,
  migrationsDir: join(import.meta.dirname, "migrations"),
  // Version 1 was folded from content.posts by the sink itself.
  minVersion: 2,
  handlers: [
    onState(PostDetail, (detail, rows, r) => {
      const postId = r.key as string;
      if (detail === null) {
        rows.patch("posts", key, {
          post_id: postId,
          deleted: true,
          deleted_at: new Date(Number(r.record.timestamp)),
          ...written(r),
        });
        return;
      }
      rows.upsert("posts", key, {
        post_id: detail.postId,
        author_id: detail.authorId,
        artist_id: detail.artistId,
        artist_name: detail.artistName,
        title: detail.title,
        body: detail.body,
        comment_count: detail.comments,
        deleted: false,
        published_at: detail.publishedAt,
        edited_at: detail.editedAt,
        deleted_at: null,
        ...written(r),
      });
    }),
  ],
});
