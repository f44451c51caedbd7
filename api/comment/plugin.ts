/**
 * /api/comment: comments on existing posts; edits and deletions by the author.
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import * as commands from "./commands.ts";
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

  await app.register(commentReads, { reads });
};

export default commentPlugin;
