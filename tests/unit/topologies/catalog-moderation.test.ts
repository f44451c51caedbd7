import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DecodedEvent } from "../../../processors/serdes/avro.ts";
import {
  applyAlbum,
  applyArtist,
  applyTrack,
  isPublic,
} from "../../../processors/topologies/catalog-snapshots.ts";
import {
  AlbumCreated,
  AlbumRestored,
  AlbumTakenDown,
  AlbumUpdated,
  ArtistCreated,
  ArtistRestored,
  ArtistTakenDown,
  ArtistUpdated,
  TrackCreated,
  TrackDeleted,
  TrackRestored,
  TrackTakenDown,
  TrackUpdated,
} from "../../../schemas/generated/index.ts";

// The moderation fold of vobe-catalog-snapshots (docs/adr/021-moderation.md).
const trackId = randomUUID();
const albumId = randomUUID();
const artistId = randomUUID();
const at = (ms: number) => ({ eventId: randomUUID(), occurredAt: new Date(ms), actor: null });
const ev = (type: { name: string }, ms: number, value: object): DecodedEvent => ({
  type: type.name,
  value: { ...at(ms), ...value },
});
const fold = <R>(apply: (row: R | null, e: DecodedEvent) => R | null, events: DecodedEvent[]) =>
  events.reduce<R | null>((row, e) => apply(row, e), null);

const track = { trackId, albumId, artistId, title: "A", durationMs: 1000, trackNumber: 1 };
const trackCreated = ev(TrackCreated, 1, { ...track, genre: "jazz", explicit: false });
const trackDown = ev(TrackTakenDown, 2, { trackId, albumId, artistId, reason: "claim" });
const trackUp = ev(TrackRestored, 4, { trackId, albumId, artistId, reason: "withdrawn" });

describe("moderation in the catalog snapshots", () => {
  it("a takedown sets the reason and the event's time; a restore clears it", () => {
    const down = fold(applyTrack, [trackCreated, trackDown]);
    expect(down?.takedown).toEqual({ reason: "claim", takenDownAt: 2 });
    expect(down && isPublic(down)).toBe(false);
    const up = fold(applyTrack, [trackCreated, trackDown, trackUp]);
    expect(up?.takedown).toBeNull();
    expect(up && isPublic(up)).toBe(true);
  });

  it("outlasts the owner's edits of every entity, which still apply", () => {
    const edited = ev(TrackUpdated, 3, { ...track, title: "B", genre: "jazz", explicit: true });
    const row = fold(applyTrack, [trackCreated, trackDown, edited]);
    expect(row).toMatchObject({ title: "B", takedown: { reason: "claim" } });

    const album = { albumId, artistId, title: "X", releaseDate: new Date(0), genre: "jazz" };
    const albumRow = fold(applyAlbum, [
      ev(AlbumCreated, 1, { ...album, coverUrl: null }),
      ev(AlbumTakenDown, 2, { albumId, artistId, reason: "cover" }),
      ev(AlbumUpdated, 3, { ...album, title: "Y", coverUrl: null }),
    ]);
    expect(albumRow).toMatchObject({ title: "Y", takedown: { reason: "cover", takenDownAt: 2 } });
    expect(
      fold(applyAlbum, [
        ev(AlbumCreated, 1, { ...album, coverUrl: null }),
        ev(AlbumTakenDown, 2, { albumId, artistId, reason: "cover" }),
        ev(AlbumRestored, 3, { albumId, artistId, reason: "ok" }),
      ])?.takedown,
    ).toBeNull();

    const artist = { artistId, ownerUserId: randomUUID(), country: null, genres: [], bio: null };
    const artistRow = fold(applyArtist, [
      ev(ArtistCreated, 1, { ...artist, name: "N" }),
      ev(ArtistTakenDown, 2, { artistId, reason: "impersonation" }),
      ev(ArtistUpdated, 3, { ...artist, name: "M" }),
    ]);
    expect(artistRow).toMatchObject({ name: "M", takedown: { reason: "impersonation" } });
    expect(
      fold(applyArtist, [
        ev(ArtistCreated, 1, { ...artist, name: "N" }),
        ev(ArtistTakenDown, 2, { artistId, reason: "x" }),
        ev(ArtistRestored, 3, { artistId, reason: "y" }),
      ])?.takedown,
    ).toBeNull();
  });

  it("of an entity never created, or deleted, makes none", () => {
    expect(fold(applyTrack, [trackDown])).toBeNull();
    expect(fold(applyTrack, [trackUp])).toBeNull();
    const deleted = ev(TrackDeleted, 3, { trackId, albumId, artistId });
    expect(fold(applyTrack, [trackCreated, trackDown, deleted])).toBeNull();
  });

  it("reads a row stored before moderation existed (no field) as public", () => {
    const { takedown: _none, ...old } = fold(applyTrack, [trackCreated]) as NonNullable<
      ReturnType<typeof applyTrack>
    >;
    expect(isPublic(old as { takedown?: unknown })).toBe(true);
    expect(applyTrack(old, trackDown)?.takedown).toEqual({ reason: "claim", takenDownAt: 2 });
  });
});
