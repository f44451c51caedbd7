/**
 * Moderation of the catalog (docs/adr/021-moderation.md): an admin takes an artist, an
 * album or a track down, or restores it, with a reason; each is one event on the entity's
 * own topic (ArtistTakenDown/ArtistRestored, …), folded by vobe-catalog-snapshots.
 *
 *   POST /api/artist/{artists,albums,tracks}/:id/takedown  { reason }   (admin)  → 202
 *   POST /api/artist/{artists,albums,tracks}/:id/restore   { reason }   (admin)  → 202
 *   GET  /api/artist/takedowns                 (artist: on their catalog; admin: all)
 *
 * The checks read the catalog's snapshots (state.ts): 404 for an entity that does not
 * exist, 409 `already_taken_down` / `not_taken_down` for a command that would change
 * nothing. Admins moderate; they do not edit: the owner's writes stay the owner's.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type { ApiContext } from "../context.ts";
import { accepted } from "../http/accepted.ts";
import { conflict, notFound } from "../http/errors.ts";
import { eventContext, caller as signedIn } from "../http/request-context.ts";
import { Accepted, IdParams, responses, Text } from "../http/schemas.ts";
import type { ReadContext } from "../read/context.ts";
import { Query, readResponses, Timestamp, waitForAfter } from "../read/http.ts";
import type { TopicView } from "../state/topic-view.ts";
import type { Caller } from "./commands.ts";
import type { CatalogState } from "./state.ts";

export const kinds = ["artist", "album", "track"] as const;
export type Kind = (typeof kinds)[number];

const plural: Record<Kind, "artists" | "albums" | "tracks"> = {
  artist: "artists",
  album: "albums",
  track: "tracks",
};

/** The entity as the snapshots have it, with the ids its events carry. */
async function entity(c: Caller, kind: Kind, id: string) {
  await c.catalog.catchUp();
  const { state } = c.catalog;
  const takedown = state.takenDown[plural[kind]].get(id) ?? null;
  if (kind === "artist") {
    if (!state.artists.has(id)) throw notFound(kind, id, "params.id");
    return { ids: { artistId: id }, takedown };
  }
  if (kind === "album") {
    const album = state.albums.get(id);
    if (!album) throw notFound(kind, id, "params.id");
    return { ids: { albumId: id, artistId: album.artistId }, takedown };
  }
  const track = state.tracks.get(id);
  if (!track) throw notFound(kind, id, "params.id");
  return { ids: { trackId: id, albumId: track.albumId, artistId: track.artistId }, takedown };
}

const events = (ctx: ApiContext, kind: Kind) =>
  ({
    artist: { down: ctx.types.ArtistTakenDown, up: ctx.types.ArtistRestored },
    album: { down: ctx.types.AlbumTakenDown, up: ctx.types.AlbumRestored },
    track: { down: ctx.types.TrackTakenDown, up: ctx.types.TrackRestored },
  })[kind];

export async function takeDown(
  c: Caller,
  kind: Kind,
  id: string,
  reason: string,
): Promise<PublishedEvent> {
  const { ids, takedown } = await entity(c, kind, id);
  if (takedown) {
    throw conflict("already_taken_down", `this ${kind} is already taken down: ${takedown.reason}`);
  }
  const type = events(c.ctx, kind).down;
  return c.ctx.events.publish(type as never, id, { ...ids, reason }, eventContext(c.request));
}

export async function restore(
  c: Caller,
  kind: Kind,
  id: string,
  reason: string,
): Promise<PublishedEvent> {
  const { ids, takedown } = await entity(c, kind, id);
  if (!takedown) throw conflict("not_taken_down", `this ${kind} is not taken down`);
  const type = events(c.ctx, kind).up;
  return c.ctx.events.publish(type as never, id, { ...ids, reason }, eventContext(c.request));
}

const security = [{ bearer: [] }];

const command = (kind: Kind, action: "takedown" | "restore") => ({
  tags: ["artist"],
  summary:
    action === "takedown"
      ? `Take a${kind === "album" || kind === "artist" ? "n" : ""} ${kind} down (admin): hidden from public reads and search until restored`
      : `Restore a taken-down ${kind} (admin)`,
  security,
  params: IdParams,
  body: Type.Object(
    {
      reason: Text(2000),
    },
    { additionalProperties: false },
  ),
  response: responses({ 202: Accepted }),
});

const TakedownItem = Type.Object(
  {
    kind: Type.Union([Type.Literal("artist"), Type.Literal("album"), Type.Literal("track")]),
    id: Type.String({ format: "uuid" }),
    artistId: Type.String({ format: "uuid" }),
    title: Type.String({ description: "The artist's name, or the album's or track's title" }),
    reason: Type.String(),
    takenDownAt: Timestamp,
  },
  { additionalProperties: false },
);

/** At most this many takedowns are listed, the latest first. */
export const maxListed = 200;

export interface ModerationOptions {
  ctx: ApiContext;
  catalog: TopicView<CatalogState>;
  reads: ReadContext;
}

const moderationRoutes: FastifyPluginAsyncTypebox<ModerationOptions> = async (app, options) => {
  const { ctx, catalog, reads } = options;
  const as = (request: FastifyRequest): Caller => ({
    ctx,
    catalog,
    request,
    user: signedIn(request),
  });
  const admin = ctx.auth.require("admin");

  for (const kind of kinds) {
    app.post(
      `/${plural[kind]}/:id/takedown`,
      { schema: command(kind, "takedown"), onRequest: admin },
      async (req, reply) =>
        accepted(reply, await takeDown(as(req), kind, req.params.id, req.body.reason)),
    );
    app.post(
      `/${plural[kind]}/:id/restore`,
      { schema: command(kind, "restore"), onRequest: admin },
      async (req, reply) =>
        accepted(reply, await restore(as(req), kind, req.params.id, req.body.reason)),
    );
  }

  const view = reads.views.reader("artist");
  const t = view.table;
  app.get(
    "/takedowns",
    {
      schema: {
        tags: ["artist"],
        summary: `Takedowns in force, the latest first (at most ${maxListed}): an artist sees those on their own catalog, with the reason; an admin sees all`,
        security,
        querystring: Query({}),
        response: readResponses({
          200: Type.Object({ items: Type.Array(TakedownItem) }, { additionalProperties: false }),
        }),
      },
      onRequest: ctx.auth.require("artist", "admin"),
      preHandler: waitForAfter(view),
    },
    async (req) => {
      const user = signedIn(req);
      const owner = user.role === "admin" ? null : user.userId;
      // Each row's owner is its artist's; a deleted entity has nothing left to moderate.
      const rows = await view.query<Record<string, unknown>>(
        `select * from (
           select 'artist' as kind, a.artist_id as id, a.artist_id, a.name as title,
                  a.takedown_reason, a.taken_down_at
             from ${t("artists")} a
            where a.taken_down_at is not null and not a.deleted
              and ($1::uuid is null or a.owner_user_id = $1::uuid)
           union all
           select 'album', al.album_id, al.artist_id, al.title, al.takedown_reason, al.taken_down_at
             from ${t("albums")} al join ${t("artists")} a on a.artist_id = al.artist_id
            where al.taken_down_at is not null and not al.deleted
              and ($1::uuid is null or a.owner_user_id = $1::uuid)
           union all
           select 'track', tr.track_id, tr.artist_id, tr.title, tr.takedown_reason, tr.taken_down_at
             from ${t("tracks")} tr join ${t("artists")} a on a.artist_id = tr.artist_id
            where tr.taken_down_at is not null and not tr.deleted
              and ($1::uuid is null or a.owner_user_id = $1::uuid)
         ) takedowns
         order by taken_down_at desc, id limit $2`,
        [owner, maxListed],
      );
      return {
        items: rows.map((r) => ({
          kind: r.kind as Kind,
          id: r.id as string,
          artistId: r.artist_id as string,
          title: r.title as string,
          reason: r.takedown_reason as string,
          takenDownAt: (r.taken_down_at as Date).toISOString(),
        })),
      };
    },
  );
};

export default moderationRoutes;
