/** Comments that exist now, with their post and author: comment.comments folded. */
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

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
  return createTopicView<CommentsState>({
    name: "comments",
    topics: [types.CommentAdded.topic],
    source,
    initial: new Map(),
  })
    .on(types.CommentAdded, (s, e) =>
      s.set(e.commentId, { postId: e.postId, authorId: e.authorId, body: e.body }),
    )
    .on(types.CommentEdited, (s, e) => {
      const comment = s.get(e.commentId);
      if (comment) comment.body = e.body;
    })
    .on(types.CommentDeleted, (s, e) => s.delete(e.commentId));
}
