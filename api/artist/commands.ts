/**
 * The artist service's commands. An artist account manages only its own catalog: an
 * artist it owns, the albums of those artists, the tracks on those albums.
 */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type { AlbumRow, ArtistRow, CatalogState, TrackRow } from "../artist/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { forbidden, notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";

type Catalog = TopicView<CatalogState>;

export interface Caller {
  ctx: ApiContext;
  catalog: Catalog;
  request: FastifyRequest;
  user: AuthUser;
}

const notOwner = (what: string) =>
  forbidden("not_owner", `this ${what} belongs to another account`);

async function ownArtist(c: Caller, artistId: string, path?: string): Promise<ArtistRow> {
  await c.catalog.catchUp();
  const artist = c.catalog.state.artists.get(artistId);
  if (!artist) throw notFound("artist", artistId, path);
  if (artist.ownerUserId !== c.user.userId) throw notOwner("artist");
  return artist;
}

async function ownAlbum(c: Caller, albumId: string, path?: string): Promise<AlbumRow> {
  await c.catalog.catchUp();
  const album = c.catalog.state.albums.get(albumId);
  if (!album) throw notFound("album", albumId, path);
  await ownArtist(c, album.artistId);
  return album;
}

export async function ownTrack(c: Caller, trackId: string): Promise<TrackRow> {
  await c.catalog.catchUp();
  const track = c.catalog.state.tracks.get(trackId);
  if (!track) throw notFound("track", trackId);
  await ownAlbum(c, track.albumId);
  return track;
}

export function createArtist(
  c: Caller,
  body: { name: string; country?: string | null; genres?: string[]; bio?: string | null },
): Promise<PublishedEvent> {
  const artistId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.ArtistCreated,
    artistId,
    {
      artistId,
      ownerUserId: c.user.userId,
      name: body.name,
      country: body.country ?? null,
      genres: body.genres ?? [],
      bio: body.bio ?? null,
    },
    eventContext(c.request),
  );
}

export async function updateArtist(
  c: Caller,
  artistId: string,
  body: { name?: string; country?: string | null; genres?: string[]; bio?: string | null },
): Promise<PublishedEvent> {
  const artist = await ownArtist(c, artistId);
  // The event carries every editable field after the change.
  return c.ctx.events.publish(
    c.ctx.types.ArtistUpdated,
    artistId,
    {
      artistId,
      name: body.name ?? artist.name,
      country: body.country !== undefined ? body.country : artist.country,
      genres: body.genres ?? artist.genres,
      bio: body.bio !== undefined ? body.bio : artist.bio,
    },
    eventContext(c.request),
  );
}

export async function deleteArtist(c: Caller, artistId: string): Promise<PublishedEvent> {
  await ownArtist(c, artistId);
  return c.ctx.events.publish(
    c.ctx.types.ArtistDeleted,
    artistId,
    { artistId },
    eventContext(c.request),
  );
}

export async function createAlbum(
  c: Caller,
  body: {
    artistId: string;
    title: string;
    releaseDate: string;
    genre: string;
    coverUrl?: string | null;
  },
): Promise<PublishedEvent> {
  await ownArtist(c, body.artistId, "body.artistId");
  const albumId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.AlbumCreated,
    albumId,
    { albumId, ...body, coverUrl: body.coverUrl ?? null },
    eventContext(c.request),
  );
}

export async function updateAlbum(
  c: Caller,
  albumId: string,
  body: { title?: string; releaseDate?: string; genre?: string; coverUrl?: string | null },
): Promise<PublishedEvent> {
  const album = await ownAlbum(c, albumId);
  return c.ctx.events.publish(
    c.ctx.types.AlbumUpdated,
    albumId,
    {
      albumId,
      artistId: album.artistId,
      title: body.title ?? album.title,
      releaseDate: body.releaseDate ?? album.releaseDate,
      genre: body.genre ?? album.genre,
      coverUrl: body.coverUrl !== undefined ? body.coverUrl : album.coverUrl,
    },
    eventContext(c.request),
  );
}

export async function deleteAlbum(c: Caller, albumId: string): Promise<PublishedEvent> {
  const album = await ownAlbum(c, albumId);
  return c.ctx.events.publish(
    c.ctx.types.AlbumDeleted,
    albumId,
    { albumId, artistId: album.artistId },
    eventContext(c.request),
  );
}

export async function createTrack(
  c: Caller,
  body: {
    albumId: string;
    title: string;
    durationMs: number;
    trackNumber: number;
    genre: string;
    explicit?: boolean;
  },
): Promise<PublishedEvent> {
  const album = await ownAlbum(c, body.albumId, "body.albumId");
  const trackId = randomUUID();
  return c.ctx.events.publish(
    c.ctx.types.TrackCreated,
    trackId,
    { trackId, ...body, artistId: album.artistId, explicit: body.explicit ?? false },
    eventContext(c.request),
  );
}

export async function updateTrack(
  c: Caller,
  trackId: string,
  body: {
    title?: string;
    durationMs?: number;
    trackNumber?: number;
    genre?: string;
    explicit?: boolean;
  },
): Promise<PublishedEvent> {
  const track = await ownTrack(c, trackId);
  return c.ctx.events.publish(
    c.ctx.types.TrackUpdated,
    trackId,
    { trackId, ...track, ...body },
    eventContext(c.request),
  );
}

export async function deleteTrack(c: Caller, trackId: string): Promise<PublishedEvent> {
  const track = await ownTrack(c, trackId);
  return c.ctx.events.publish(
    c.ctx.types.TrackDeleted,
    trackId,
    { trackId, albumId: track.albumId, artistId: track.artistId },
    eventContext(c.request),
  );
}
