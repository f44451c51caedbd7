/**
 * Comments per post, from comment.comments (keyed by comment id).
 *
 *   comment.comments ─▶ comments table (by commentId) ─▶ groupBy postId ─▶ count ─▶ comment.post-comment-counts
 *
 * A table aggregation: each change of a comment row subtracts its old value from the
 * old post's count and adds the new value to the new post's, so a deleted comment (a
 * tombstone in the comments table) lowers its post's count.
 *
 * Edits: a CommentEdited event carries the same postId (a comment never moves), so it
 * cannot change a count; it is left out of the table that is counted. Kept in, it would
 * still count right (subtract then add), but the engine's groupBy sends an update as two
 * records, so every edit would write a transient n-1 to the output topic.
 */
import {
  CommentAdded,
  CommentDeleted,
  type PostCommentCount,
  PostCommentCount as PostCommentCountType,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { isEvent } from "../serdes/avro.ts";
import { entityTable, type TopologyOptions, toDerived } from "./common.ts";

export const postCommentCountsStores = {
  /** Key-value: commentId → the comment's state (its postId). */
  comments: "comments-state",
  /** Key-value: postId → comments. */
  counts: "post-comment-counts",
} as const;

/** What the count needs of a comment. */
export interface CommentRow {
  postId: string;
}

export function postCommentCountsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  const comments = entityTable<CommentRow>(builder, {
    serdes,
    topic: CommentAdded,
    // Not CommentEdited: see above.
    types: [CommentAdded, CommentDeleted],
    name: "comments",
    apply: (row, event) => {
      if (isEvent(event, CommentAdded)) return row ?? { postId: event.value.postId };
      return null; // CommentDeleted
    },
  });
  const counts = comments
    .groupBy((_commentId, comment) => [comment.postId, comment], {
      name: "comments-by-post",
      keySerde: Serdes.string(),
      valueSerde: Serdes.json<CommentRow>(),
    })
    .count({ name: postCommentCountsStores.counts });
  toDerived<string, number, PostCommentCount>(
    counts.toStream({ name: "post-comment-counts-changes" }),
    PostCommentCountType,
    (postId, comments) => ({ postId, comments }),
    "post-comment-counts-records",
  ).to(serdes.topic(PostCommentCountType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(PostCommentCountType),
    name: "post-comment-counts-sink",
  });
  return builder.build();
}
