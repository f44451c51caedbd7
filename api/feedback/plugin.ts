/**
 * /api/feedback: anyone sends feedback (a token is optional); admins triage and resolve it.
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import * as commands from "./commands.ts";
import feedbackReads from "./reads.ts";
import * as schemas from "./schemas.ts";

const feedbackPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const feedback = await ctx.views.feedback();
  const as = (request: FastifyRequest): commands.Caller => ({ ctx, feedback, request });
  const admin = ctx.auth.require("admin");

  app.post("/", { schema: schemas.submit, onRequest: ctx.auth.optional() }, async (req, reply) =>
    accepted(reply, await commands.submit(as(req), req.body)),
  );
  app.post("/:id/triage", { schema: schemas.triage, onRequest: admin }, async (req, reply) =>
    accepted(reply, await commands.triage(as(req), req.params.id, req.body)),
  );
  app.post("/:id/resolve", { schema: schemas.resolve, onRequest: admin }, async (req, reply) =>
    accepted(reply, await commands.resolve(as(req), req.params.id, req.body)),
  );

  await app.register(feedbackReads, { reads });
};

export default feedbackPlugin;
