/**
 * /api/chat: messages to the AI music guide.
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import * as commands from "./commands.ts";
import chatReads from "./reads.ts";
import * as schemas from "./schemas.ts";
import { chatStream } from "./stream.ts";

const chatPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const conversations = await ctx.views.conversations();
  app.post(
    "/conversations/:conversationId/messages",
    { schema: schemas.send, onRequest: ctx.auth.require() },
    async (req, reply) =>
      accepted(
        reply,
        await commands.send(
          ctx,
          conversations,
          req,
          caller(req),
          req.params.conversationId,
          req.body.text,
        ),
      ),
  );

  await app.register(chatReads, { reads });
  await app.register(chatStream, { ctx, conversations });
};

export default chatPlugin;
