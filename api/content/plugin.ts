/**
 * /api/content: posts (any signed-in user; edits and deletions by the author).
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import * as commands from "./commands.ts";
import contentReads from "./reads.ts";
import * as schemas from "./schemas.ts";

const contentPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const views = { catalog: await ctx.views.catalog(), posts: await ctx.views.posts() };
  const as = (request: FastifyRequest): commands.Caller => ({
    ctx,
    views,
    request,
    user: caller(request),
  });
  const onRequest = ctx.auth.require();

  app.post("/posts", { schema: schemas.publish, onRequest }, async (req, reply) =>
    accepted(reply, await commands.publish(as(req), req.body)),
  );
  app.patch("/posts/:id", { schema: schemas.edit, onRequest }, async (req, reply) =>
    accepted(reply, await commands.edit(as(req), req.params.id, req.body)),
  );
  app.delete("/posts/:id", { schema: schemas.remove, onRequest }, async (req, reply) =>
    accepted(reply, await commands.remove(as(req), req.params.id)),
  );

  await app.register(contentReads, { reads });
};

export default contentPlugin;
