/** The content service's commands: posts, each owned by its author. */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type { CatalogState } from "../artist/state.ts";
import type { PostRow, PostsState } from "../content/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { forbidden, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";

export interface Caller {
  ctx: ApiContext;
  views: { catalog: TopicView<CatalogState>; posts: TopicView<PostsState> };
  request: FastifyRequest;
  user: AuthUser;
}

export async function publish(
  c: Caller,
  body: { title: string; body: string; artistId?: string },
): Promise<PublishedEvent> {
  if (body.artistId !== undefined) {
    // Posting for an artist is speaking for it: only its manager may.
    await c.views.catalog.catchUp();
    const artist = c.views.catalog.state.artists.get(body.artistId);
    if (!artist) throw notFound("artist", body.artistId, "body.artistId");
    if (artist.ownerUserId !== c.user.userId) {
      throw forbidden("not_owner", "you may post only for artists you manage");
    }
  }
  const postId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.PostPublished,
    postId,
    {
      postId,
      authorId: c.user.userId,
      artistId: body.artistId ?? null,
      title: body.title,
      body: body.body,
    },
    eventContext(c.request),
  );
}

async function ownPost(c: Caller, postId: string, adminMay: boolean): Promise<PostRow> {
  await c.views.posts.catchUp();
  const post = c.views.posts.state.get(postId);
  if (!post) throw notFound("post", postId);
  const isAdmin = adminMay && c.user.role === "admin";
  if (post.authorId !== c.user.userId && !isAdmin) {
    throw forbidden("not_owner", "this post belongs to another account");
  }
  return post;
}

export async function edit(
  c: Caller,
  postId: string,
  body: { title?: string; body?: string },
): Promise<PublishedEvent> {
  const post = await ownPost(c, postId, false);
  return c.ctx.events.publish(
    c.ctx.types.PostEdited,
    postId,
    {
      postId,
      authorId: post.authorId,
      title: body.title ?? post.title,
      body: body.body ?? post.body,
    },
    eventContext(c.request),
  );
}

export async function remove(c: Caller, postId: string): Promise<PublishedEvent> {
  const post = await ownPost(c, postId, true);
  return c.ctx.events.publish(
    c.ctx.types.PostDeleted,
    postId,
    { postId, authorId: post.authorId },
    eventContext(c.request),
  );
}
