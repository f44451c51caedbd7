/**
 * Playlist commands: a signed-in listener creates playlists and only their owner changes
 * them. Each command is one event on listening.playlists, keyed by the playlist, so the
 * snapshot topology applies them in the order they were accepted (docs/adr/027-playlists.md).
 */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { maxPlaylistEntries } from "../../processors/topologies/playlist-snapshots.ts";
import type { PublishedEvent } from "../../producers/index.ts";
import type { PlaylistVisibility } from "../../schemas/generated/index.ts";
import type { CatalogState } from "../artist/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { conflict, forbidden, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";
import type { PlaylistCheckRow, PlaylistsState } from "./state.ts";

export interface Caller {
  ctx: ApiContext;
  catalog: TopicView<CatalogState>;
  playlists: TopicView<PlaylistsState>;
  request: FastifyRequest;
  user: AuthUser;
}

/**
 * The caller's own playlist, as the processors have it after every command accepted
 * before this one. Someone else's private playlist answers 404 like a missing one (its
 * existence is not told); someone else's public one 403.
 */
async function own(c: Caller, playlistId: string): Promise<PlaylistCheckRow> {
  await c.playlists.catchUp();
  const playlist = c.playlists.state.get(playlistId);
  if (!playlist || (playlist.ownerId !== c.user.userId && playlist.visibility !== "public")) {
    throw notFound("playlist", playlistId, "params.playlistId");
  }
  if (playlist.ownerId !== c.user.userId) {
    throw forbidden("not_owner", "only the playlist's owner can change it");
  }
  return playlist;
}

const publish = (c: Caller, type: keyof ApiContext["types"], playlistId: string, fields: object) =>
  c.ctx.events.publish(
    c.ctx.types[type] as never,
    playlistId,
    { playlistId, ...fields } as never,
    eventContext(c.request),
  );

export function create(
  c: Caller,
  body: { name: string; visibility?: PlaylistVisibility },
): Promise<PublishedEvent> {
  const playlistId = randomUUID();
  return publish(c, "PlaylistCreated", playlistId, {
    ownerId: c.user.userId,
    name: body.name,
    visibility: body.visibility ?? "private",
  });
}

export async function rename(c: Caller, playlistId: string, name: string) {
  await own(c, playlistId);
  return publish(c, "PlaylistRenamed", playlistId, { name });
}

export async function setVisibility(c: Caller, playlistId: string, visibility: PlaylistVisibility) {
  await own(c, playlistId);
  return publish(c, "PlaylistVisibilityChanged", playlistId, { visibility });
}

export async function remove(c: Caller, playlistId: string) {
  await own(c, playlistId);
  return publish(c, "PlaylistDeleted", playlistId, {});
}

/** Adds a track that exists; the 202's id is the new entry's. */
export async function addTrack(
  c: Caller,
  playlistId: string,
  body: { trackId: string; position?: number | null },
): Promise<PublishedEvent> {
  const playlist = await own(c, playlistId);
  await c.catalog.catchUp();
  if (!c.catalog.state.tracks.has(body.trackId)) {
    throw notFound("track", body.trackId, "body.trackId");
  }
  if (playlist.entryIds.size >= maxPlaylistEntries) {
    throw conflict("playlist_full", `a playlist holds at most ${maxPlaylistEntries} tracks`);
  }
  const entryId = randomUUID();
  const published = await publish(c, "PlaylistTrackAdded", playlistId, {
    entryId,
    trackId: body.trackId,
    position: body.position ?? null,
  });
  return { ...published, key: entryId };
}

async function entryOf(c: Caller, playlistId: string, entryId: string) {
  const playlist = await own(c, playlistId);
  if (!playlist.entryIds.has(entryId)) throw notFound("playlist entry", entryId, "params.entryId");
}

export async function moveTrack(c: Caller, playlistId: string, entryId: string, position: number) {
  await entryOf(c, playlistId, entryId);
  const published = await publish(c, "PlaylistTrackMoved", playlistId, { entryId, position });
  return { ...published, key: entryId };
}

export async function removeTrack(c: Caller, playlistId: string, entryId: string) {
  await entryOf(c, playlistId, entryId);
  const published = await publish(c, "PlaylistTrackRemoved", playlistId, { entryId });
  return { ...published, key: entryId };
}
