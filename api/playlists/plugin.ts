/**
 * Playlists (docs/adr/027-playlists.md): commands and reads under /api/listening, the
 * listening service's since a playlist is a listener's library, like the liked tracks.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PluginOptions } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { caller } from "../http/request-context.ts";
import * as commands from "./commands.ts";
import playlistReads from "./reads.ts";
import * as schemas from "./schemas.ts";
import { createPlaylistsView } from "./state.ts";

const playlistsPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, { ctx, reads }) => {
  const catalog = await ctx.views.catalog();
  const view = createPlaylistsView(ctx.viewSource, ctx.types);
  await view.start();
  app.addHook("onClose", () => view.close());
  const as = (request: FastifyRequest): commands.Caller => ({
    ctx,
    catalog,
    playlists: view,
    request,
    user: caller(request),
  });
  const onRequest = ctx.auth.require("listener", "artist", "admin");

  app.post("/playlists", { schema: schemas.create, onRequest }, async (req, reply) =>
    accepted(reply, await commands.create(as(req), req.body)),
  );
  app.put(
    "/playlists/:playlistId/name",
    { schema: schemas.rename, onRequest },
    async (req, reply) =>
      accepted(reply, await commands.rename(as(req), req.params.playlistId, req.body.name)),
  );
  app.put(
    "/playlists/:playlistId/visibility",
    { schema: schemas.visibility, onRequest },
    async (req, reply) =>
      accepted(
        reply,
        await commands.setVisibility(as(req), req.params.playlistId, req.body.visibility),
      ),
  );
  app.delete("/playlists/:playlistId", { schema: schemas.remove, onRequest }, async (req, reply) =>
    accepted(reply, await commands.remove(as(req), req.params.playlistId)),
  );
  app.post(
    "/playlists/:playlistId/tracks",
    { schema: schemas.addTrack, onRequest },
    async (req, reply) =>
      accepted(reply, await commands.addTrack(as(req), req.params.playlistId, req.body)),
  );
  app.put(
    "/playlists/:playlistId/tracks/:entryId/position",
    { schema: schemas.moveTrack, onRequest },
    async (req, reply) =>
      accepted(
        reply,
        await commands.moveTrack(
          as(req),
          req.params.playlistId,
          req.params.entryId,
          req.body.position,
        ),
      ),
  );
  app.delete(
    "/playlists/:playlistId/tracks/:entryId",
    { schema: schemas.removeTrack, onRequest },
    async (req, reply) =>
      accepted(
        reply,
        await commands.removeTrack(as(req), req.params.playlistId, req.params.entryId),
      ),
  );

  await app.register(playlistReads, { reads });
};

export default playlistsPlugin;
