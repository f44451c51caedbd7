/**
 * /api/listening: plays and likes, by listeners, artists and admins.
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PluginOptions } from "../context.ts";
import { accepted, position } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import playlistsPlugin from "../playlists/plugin.ts";
import * as commands from "./commands.ts";
import listeningReads from "./reads.ts";
import * as schemas from "./schemas.ts";

// 500 plays of ~150 bytes are more than the app's 64 KiB default.
const playsBodyLimit = 128 * 1024;

const listeningPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const catalog = await ctx.views.catalog();
  const as = (request: FastifyRequest): commands.Caller => ({
    ctx,
    catalog,
    request,
    user: caller(request),
  });
  const onRequest = ctx.auth.require("listener", "artist", "admin");

  app.post(
    "/plays",
    { schema: schemas.plays, onRequest, bodyLimit: playsBodyLimit },
    async (req, reply) => {
      const published = await commands.reportPlays(as(req), req.body.plays);
      return reply.status(202).send({ plays: published.map(position) });
    },
  );
  app.put("/tracks/:trackId/like", { schema: schemas.like, onRequest }, async (req, reply) =>
    accepted(reply, await commands.setLike(as(req), req.params.trackId, true)),
  );
  app.delete("/tracks/:trackId/like", { schema: schemas.unlike, onRequest }, async (req, reply) =>
    accepted(reply, await commands.setLike(as(req), req.params.trackId, false)),
  );

  await app.register(listeningReads, { reads });
  await app.register(playlistsPlugin, { ctx, reads });
};

export default listeningPlugin;
