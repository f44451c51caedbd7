/**
 * The latest state of every post and comment that exists: what the write API checks a
 * post's or comment's author, a commented post and a reply's parent against.
 *
 *   content.posts    ─▶ entity table ─▶ content.post-snapshots    (deleted: tombstone)
 *   comment.comments ─▶ entity table ─▶ comment.comment-snapshots
 *
 * The one owner of "a post / a comment as it is now": post-details reads the post
 * snapshots (a post carries when it was published and last edited for it), and
 * post-comment-counts the comment snapshots.
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

type PostFields = Omit<PostSnapshot, keyof DerivedEnvelope>;
/** A post as its store keeps it: times in epoch ms (JSON), Dates only in the record. */
export type PostRow = Omit<PostFields, "publishedAt" | "editedAt"> & {
  publishedAt: number;
  editedAt: number | null;
};
export type CommentRow = Omit<CommentSnapshot, keyof DerivedEnvelope>;

/**
 * `at`: the event's time. A post is published once (the API makes a new id each time); a
 * repeated PostPublished (a resent or replayed event) sets the content again but not when
 * the post was first published or last edited.
 */
export function applyPost(row: PostRow | null, event: DecodedEvent, at: number): PostRow | null {
  if (isEvent(event, PostPublished)) {
    const { postId, authorId, artistId, title, body } = event.value;
    const publishedAt = row?.publishedAt ?? at;
    return {
      postId,
      authorId,
      artistId,
      title,
      body,
      publishedAt,
      editedAt: row?.editedAt ?? null,
    };
  }
  if (isEvent(event, PostEdited))
    return row && { ...row, title: event.value.title, body: event.value.body, editedAt: at };
  return isEvent(event, PostDeleted) ? null : row;
}

/** Rows stored before the times existed have none (null) until the application is reset. */
const dateOf = (ms: number | null | undefined) => (typeof ms === "number" ? new Date(ms) : null);

function postRecord(row: PostRow): PostFields {
  return { ...row, publishedAt: dateOf(row.publishedAt), editedAt: dateOf(row.editedAt) };
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
    postRecord,
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
