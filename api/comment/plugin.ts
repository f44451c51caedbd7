/**
 * /api/comment: comments on existing posts; edits and deletions by the author; moments
 * (comments at a point of a track, ADR-028).
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import * as commands from "./commands.ts";
import momentReads from "./moment-reads.ts";
import * as moments from "./moments.ts";
import commentReads from "./reads.ts";
import * as schemas from "./schemas.ts";

const commentPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const views = { posts: await ctx.views.posts(), comments: await ctx.views.comments() };
  const as = (request: FastifyRequest): commands.Caller => ({
    ctx,
    views,
    request,
    user: caller(request),
  });
  const momentViews = { catalog: await ctx.views.catalog(), moments: await ctx.views.moments() };
  const momentCaller = (request: FastifyRequest): moments.MomentCaller => ({
    ctx,
    views: momentViews,
    request,
    user: caller(request),
  });
  const onRequest = ctx.auth.require();

  app.post("/posts/:postId/comments", { schema: schemas.add, onRequest }, async (req, reply) =>
    accepted(reply, await commands.add(as(req), req.params.postId, req.body)),
  );
  app.patch("/comments/:id", { schema: schemas.edit, onRequest }, async (req, reply) =>
    accepted(reply, await commands.edit(as(req), req.params.id, req.body.body)),
  );
  app.delete("/comments/:id", { schema: schemas.remove, onRequest }, async (req, reply) =>
    accepted(reply, await commands.remove(as(req), req.params.id)),
  );

  app.post(
    "/tracks/:trackId/moments",
    { schema: schemas.postMoment, onRequest },
    async (req, reply) =>
      accepted(reply, await moments.post(momentCaller(req), req.params.trackId, req.body)),
  );
  app.delete("/moments/:id", { schema: schemas.removeMoment, onRequest }, async (req, reply) =>
    accepted(reply, await moments.remove(momentCaller(req), req.params.id)),
  );

  await app.register(commentReads, { reads });
  await app.register(momentReads, { reads });
};

export default commentPlugin;
