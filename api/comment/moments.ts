/**
 * Moments (ADR-028): comments on a track at a point of it. Posted on a track that exists, at
 * a point inside it; deleted by their author or an admin. Never edited: a moment is a
 * reaction to a second of music, and a new one is cheaper to reason about than an edit.
 */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type { CatalogState } from "../artist/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { badRequest, forbidden, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";
import type { MomentsState } from "./moments-state.ts";

export interface MomentCaller {
  ctx: ApiContext;
  views: { catalog: TopicView<CatalogState>; moments: TopicView<MomentsState> };
  request: FastifyRequest;
  user: AuthUser;
}

export async function post(
  c: MomentCaller,
  trackId: string,
  body: { body: string; atMs: number },
): Promise<PublishedEvent> {
  await c.views.catalog.catchUp();
  const track = c.views.catalog.state.tracks.get(trackId);
  if (!track) throw notFound("track", trackId, "params.trackId");
  if (body.atMs > track.durationMs) {
    throw badRequest("moment_outside_track", "the moment is past the end of the track", [
      { path: "body.atMs", message: `at most the track's length, ${track.durationMs} ms` },
    ]);
  }
  const momentId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.TrackMomentPosted,
    momentId,
    { momentId, trackId, authorId: c.user.userId, atMs: body.atMs, body: body.body },
    eventContext(c.request),
  );
}

export async function remove(c: MomentCaller, momentId: string): Promise<PublishedEvent> {
  await c.views.moments.catchUp();
  const moment = c.views.moments.state.get(momentId);
  if (!moment) throw notFound("moment", momentId);
  if (moment.authorId !== c.user.userId && c.user.role !== "admin") {
    throw forbidden("not_owner", "this moment belongs to another account");
  }
  return c.ctx.events.publish(
    c.ctx.types.TrackMomentDeleted,
    momentId,
    { momentId, trackId: moment.trackId, authorId: moment.authorId },
    eventContext(c.request),
  );
}
