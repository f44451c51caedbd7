/** The comment service's commands: comments on posts that exist, owned by their author. */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type { CommentRow, CommentsState } from "../comment/state.ts";
import type { PostsState } from "../content/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { badRequest, forbidden, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";

export interface Caller {
  ctx: ApiContext;
  views: { posts: TopicView<PostsState>; comments: TopicView<CommentsState> };
  request: FastifyRequest;
  user: AuthUser;
}

export async function add(
  c: Caller,
  postId: string,
  body: { body: string; parentCommentId?: string },
): Promise<PublishedEvent> {
  await c.views.posts.catchUp();
  // Deleted posts are gone from the view: commenting on one is commenting on nothing.
  if (!c.views.posts.state.has(postId)) throw notFound("post", postId, "params.postId");
  if (body.parentCommentId !== undefined) {
    await c.views.comments.catchUp();
    const parent = c.views.comments.state.get(body.parentCommentId);
    if (!parent) throw notFound("comment", body.parentCommentId, "body.parentCommentId");
    if (parent.postId !== postId) {
      throw badRequest("parent_elsewhere", "the comment replied to is on another post", [
        { path: "body.parentCommentId", message: "not a comment of this post" },
      ]);
    }
  }
  const commentId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.CommentAdded,
    commentId,
    {
      commentId,
      postId,
      authorId: c.user.userId,
      body: body.body,
      parentCommentId: body.parentCommentId ?? null,
    },
    eventContext(c.request),
  );
}

async function ownComment(c: Caller, commentId: string, adminMay: boolean): Promise<CommentRow> {
  await c.views.comments.catchUp();
  const comment = c.views.comments.state.get(commentId);
  if (!comment) throw notFound("comment", commentId);
  if (comment.authorId !== c.user.userId && !(adminMay && c.user.role === "admin")) {
    throw forbidden("not_owner", "this comment belongs to another account");
  }
  return comment;
}

export async function edit(c: Caller, commentId: string, body: string): Promise<PublishedEvent> {
  const comment = await ownComment(c, commentId, false);
  return c.ctx.events.publish(
    c.ctx.types.CommentEdited,
    commentId,
    { commentId, postId: comment.postId, authorId: comment.authorId, body },
    eventContext(c.request),
  );
}

export async function remove(c: Caller, commentId: string): Promise<PublishedEvent> {
  const comment = await ownComment(c, commentId, true);
  return c.ctx.events.publish(
    c.ctx.types.CommentDeleted,
    commentId,
    { commentId, postId: comment.postId, authorId: comment.authorId },
    eventContext(c.request),
  );
}
