/**
 * /api/artist: the caller's artists, albums and tracks (role artist, own catalog only).
 * Commands and reads (reads.ts) are one plugin: a process serves both or neither.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { audioLimitsFromEnv, mediaStoreFromEnv } from "../../platform/media/index.ts";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import audioRoutes from "./audio.ts";
import * as commands from "./commands.ts";
import moderationRoutes from "./moderation.ts";
import artistReads from "./reads.ts";
import * as schemas from "./schemas.ts";

const artistPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const catalog = await ctx.views.catalog();
  const as = (request: FastifyRequest): commands.Caller => ({
    ctx,
    catalog,
    request,
    user: caller(request),
  });
  const onRequest = ctx.auth.require("artist");

  app.post("/artists", { schema: schemas.createArtist, onRequest }, async (req, reply) =>
    accepted(reply, await commands.createArtist(as(req), req.body)),
  );
  app.patch("/artists/:id", { schema: schemas.updateArtist, onRequest }, async (req, reply) =>
    accepted(reply, await commands.updateArtist(as(req), req.params.id, req.body)),
  );
  app.delete("/artists/:id", { schema: schemas.remove("artists"), onRequest }, async (req, reply) =>
    accepted(reply, await commands.deleteArtist(as(req), req.params.id)),
  );

  app.post("/albums", { schema: schemas.createAlbum, onRequest }, async (req, reply) =>
    accepted(reply, await commands.createAlbum(as(req), req.body)),
  );
  app.patch("/albums/:id", { schema: schemas.updateAlbum, onRequest }, async (req, reply) =>
    accepted(reply, await commands.updateAlbum(as(req), req.params.id, req.body)),
  );
  app.delete("/albums/:id", { schema: schemas.remove("albums"), onRequest }, async (req, reply) =>
    accepted(reply, await commands.deleteAlbum(as(req), req.params.id)),
  );

  app.post("/tracks", { schema: schemas.createTrack, onRequest }, async (req, reply) =>
    accepted(reply, await commands.createTrack(as(req), req.body)),
  );
  app.patch("/tracks/:id", { schema: schemas.updateTrack, onRequest }, async (req, reply) =>
    accepted(reply, await commands.updateTrack(as(req), req.params.id, req.body)),
  );
  app.delete("/tracks/:id", { schema: schemas.remove("tracks"), onRequest }, async (req, reply) =>
    accepted(reply, await commands.deleteTrack(as(req), req.params.id)),
  );

  // Audio: the upload command and the bytes (audio.ts); its own content-type parsers.
  await app.register(audioRoutes, {
    ctx,
    catalog,
    store: mediaStoreFromEnv(),
    limits: audioLimitsFromEnv(),
  });
  // Admins take content down and restore it; owners see their takedowns (moderation.ts).
  await app.register(moderationRoutes, { ctx, catalog, reads });
  await app.register(artistReads, { reads });
};

export default artistPlugin;
