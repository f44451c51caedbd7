/**
 * Comments that exist now, with their post and author: the latest snapshot per comment
 * that vobe-content-snapshots keeps (processors/topologies/content-snapshots.ts).
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export interface CommentRow {
  postId: string;
  authorId: string;
  body: string;
}

export type CommentsState = Map<string, CommentRow>;

export function createCommentsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<CommentsState> {
  const derived = {
    CommentSnapshot: derivedType(types, generated.CommentSnapshot),
  };
  return createDerivedView<CommentsState>({
    name: "comments",
    topics: [derived.CommentSnapshot.topic],
    inputs: [types.CommentAdded.topic],
    application: applicationGroup(types, "content-snapshots"),
    source,
    initial: new Map(),
    onTombstone: (s, commentId) => s.delete(commentId),
  }).on(derived.CommentSnapshot, (s, e) =>
    s.set(e.commentId, { postId: e.postId, authorId: e.authorId, body: e.body }),
  );
}
