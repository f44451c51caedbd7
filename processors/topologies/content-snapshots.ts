/**
 * The latest state of every post and comment that exists: what the write API checks a
 * post's or comment's author, a commented post and a reply's parent against.
 *
 *   content.posts    ─▶ entity table ─▶ content.post-snapshots    (deleted: tombstone)
 *   comment.comments ─▶ entity table ─▶ comment.comment-snapshots
 */
import {
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  type CommentSnapshot,
  CommentSnapshot as CommentSnapshotType,
  PostDeleted,
  PostEdited,
  PostPublished,
  type PostSnapshot,
  PostSnapshot as PostSnapshotType,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { DerivedEnvelope, TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

export type PostRow = Omit<PostSnapshot, keyof DerivedEnvelope>;
export type CommentRow = Omit<CommentSnapshot, keyof DerivedEnvelope>;

export function applyPost(row: PostRow | null, event: DecodedEvent): PostRow | null {
  if (isEvent(event, PostPublished)) {
    const { postId, authorId, artistId, title, body } = event.value;
    return { postId, authorId, artistId, title, body };
  }
  if (isEvent(event, PostEdited))
    return row && { ...row, title: event.value.title, body: event.value.body };
  return isEvent(event, PostDeleted) ? null : row;
}

export function applyComment(row: CommentRow | null, event: DecodedEvent): CommentRow | null {
  if (isEvent(event, CommentAdded)) {
    const { commentId, postId, authorId, body, parentCommentId } = event.value;
    return { commentId, postId, authorId, body, parentCommentId };
  }
  if (isEvent(event, CommentEdited)) return row && { ...row, body: event.value.body };
  return isEvent(event, CommentDeleted) ? null : row;
}

export function contentSnapshotsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  snapshots(
    builder,
    serdes,
    "post-snapshots",
    [PostPublished, PostEdited, PostDeleted],
    applyPost,
    PostSnapshotType,
  );
  snapshots(
    builder,
    serdes,
    "comment-snapshots",
    [CommentAdded, CommentEdited, CommentDeleted],
    applyComment,
    CommentSnapshotType,
  );
  return builder.build();
}
