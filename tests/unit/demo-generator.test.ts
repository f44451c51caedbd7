import { verify } from "@node-rs/argon2";
import avro from "avsc";
import { describe, expect, it } from "vitest";
import { emailClaimKey, usernameClaimKey } from "../../api/auth/claim-keys.ts";
import {
  albumsPerArtist,
  type DemoCatalog,
  type DemoSize,
  demoEpoch,
  demoEventCount,
  demoHistoryEnd,
  demoPassword,
  demoPasswordHash,
  demoSizes,
  demoTopicCounts,
  generateDemoCatalog,
  releaseYears,
  trackSeconds,
  tracksPerAlbum,
} from "../../connect/demo/index.ts";
import { logicalTypes } from "../../platform/registry/logical-types.ts";
import type { Envelope, PendingEvent } from "../../producers/index.ts";
import { catalog as topicCatalog } from "../../schemas/catalog.ts";

const full = generateDemoCatalog({ size: "full", seed: 2026 });
const tiny = generateDemoCatalog({ size: "tiny", seed: 2026 });
const small = generateDemoCatalog({ size: "small", seed: 99 });
const catalogs: Array<[DemoSize, DemoCatalog]> = [
  ["tiny", tiny],
  ["small", small],
  ["full", full],
];

const allEvents = (c: DemoCatalog) => c.phases.flatMap((p) => p.events);
const eventsOf = (c: DemoCatalog, name: string) =>
  allEvents(c).filter((e) => e.type.name === `vobemusic.${name}`);
const time = (e: PendingEvent<Envelope>) => e.context.occurredAt?.getTime() ?? Number.NaN;
const payload = (e: PendingEvent<Envelope>) => e.payload as unknown as Record<string, unknown>;
const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

describe("the demo catalog generator", () => {
  it("is deterministic: the same seed gives byte-identical entities and events", () => {
    // The small catalog runs every code path of the full one in a tenth of the work (a
    // second full catalog took seconds of CPU, beyond the test's time on a loaded machine).
    const again = generateDemoCatalog({ size: "small", seed: 99 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(small));
    expect(JSON.stringify(generateDemoCatalog({ size: "tiny", seed: 2026 }))).toBe(
      JSON.stringify(tiny),
    );
  });

  it("gives different data for a different seed", () => {
    const other = generateDemoCatalog({ size: "tiny", seed: 2027 });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(tiny));
    const ids = new Set(tiny.tracks.map((t) => t.trackId));
    expect(other.tracks.filter((t) => ids.has(t.trackId))).toEqual([]);
    expect(other.artists.map((a) => a.name)).not.toEqual(tiny.artists.map((a) => a.name));
  });

  it.each(catalogs)("%s: has the configured number of every entity", (size, c) => {
    const sizing = demoSizes[size];
    expect(c.artists).toHaveLength(sizing.artists);
    expect(c.users).toHaveLength(1 + sizing.artists + sizing.listeners);
    expect(c.users.filter((u) => u.role === "listener")).toHaveLength(sizing.listeners);
    expect(c.users.filter((u) => u.role === "admin")).toHaveLength(1);
    expect(c.posts).toHaveLength(sizing.posts);
    expect(c.comments).toHaveLength(sizing.comments);
    expect(c.feedback).toHaveLength(sizing.feedback);
    for (const [, n] of countBy(c.albums, (a) => a.artistId)) {
      expect(n).toBeGreaterThanOrEqual(albumsPerArtist.min);
      expect(n).toBeLessThanOrEqual(albumsPerArtist.max);
    }
    for (const [, n] of countBy(c.tracks, (t) => t.albumId)) {
      expect(n).toBeGreaterThanOrEqual(tracksPerAlbum.min);
      expect(n).toBeLessThanOrEqual(tracksPerAlbum.max);
    }
    expect(demoEventCount(c)).toBe(
      Object.values(demoTopicCounts(c)).reduce((sum, n) => sum + n, 0),
    );
  });

  it("full: hundreds of artists, thousands of albums, tens of thousands of tracks", () => {
    expect(full.artists).toHaveLength(300);
    expect(full.albums.length).toBeGreaterThan(1_700);
    expect(full.albums.length).toBeLessThan(2_300);
    expect(full.tracks.length).toBeGreaterThan(17_000);
    expect(full.tracks.length).toBeLessThan(23_000);
    expect(full.users).toHaveLength(1_301);
    expect(full.posts).toHaveLength(1_500);
    expect(full.comments).toHaveLength(6_000);
  });

  it("full: plausible tracks, albums and artists", () => {
    const seconds = full.tracks.map((t) => t.durationMs / 1000).sort((a, b) => a - b);
    expect(seconds[0]).toBeGreaterThanOrEqual(trackSeconds.min);
    expect(seconds.at(-1)).toBeLessThanOrEqual(trackSeconds.max);
    const median = seconds[Math.floor(seconds.length / 2)] as number;
    expect(median).toBeGreaterThan(180);
    expect(median).toBeLessThan(270);
    const explicit = full.tracks.filter((t) => t.explicit).length / full.tracks.length;
    expect(explicit).toBeGreaterThan(0.05);
    expect(explicit).toBeLessThan(0.25);
    for (const [, list] of Map.groupBy(full.tracks, (t) => t.albumId)) {
      expect(list.map((t) => t.trackNumber)).toEqual(list.map((_, i) => i + 1));
    }

    const years = full.albums.map((a) => Number(a.releaseDate.slice(0, 4)));
    expect(Math.min(...years)).toBeGreaterThanOrEqual(releaseYears.min);
    expect(Math.max(...years)).toBeLessThanOrEqual(releaseYears.max);
    expect(new Set(years.map((y) => Math.floor(y / 10))).size).toBeGreaterThanOrEqual(6);
    for (const album of full.albums) expect(album.releaseDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    expect(new Set(full.artists.map((a) => a.name.toLowerCase())).size).toBe(300);
    const genres = new Set(full.artists.flatMap((a) => a.genres));
    expect(genres.size).toBeGreaterThan(20);
    for (const album of full.albums) expect(genres.has(album.genre)).toBe(true);
    const countries = full.artists.map((a) => a.country).filter((c) => c !== null);
    expect(new Set(countries).size).toBeGreaterThan(15);
    for (const code of countries) expect(code).toMatch(/^[A-Z]{2}$/);
  });

  it.each(catalogs)("%s: every reference points at an existing entity", (_, c) => {
    const users = new Map(c.users.map((u) => [u.userId, u]));
    const artists = new Map(c.artists.map((a) => [a.artistId, a]));
    const albums = new Map(c.albums.map((a) => [a.albumId, a]));
    const posts = new Map(c.posts.map((p) => [p.postId, p]));
    const comments = new Map(c.comments.map((m) => [m.commentId, m]));
    for (const artist of c.artists) expect(users.get(artist.ownerUserId)?.role).toBe("artist");
    for (const album of c.albums) expect(artists.has(album.artistId)).toBe(true);
    for (const track of c.tracks) {
      expect(albums.get(track.albumId)?.artistId).toBe(track.artistId);
    }
    for (const post of c.posts) {
      expect(users.has(post.authorId)).toBe(true);
      if (post.artistId) expect(artists.get(post.artistId)?.ownerUserId).toBe(post.authorId);
    }
    for (const comment of c.comments) {
      expect(posts.has(comment.postId)).toBe(true);
      expect(users.has(comment.authorId)).toBe(true);
      if (comment.parentCommentId) {
        expect(comments.get(comment.parentCommentId)?.postId).toBe(comment.postId);
      }
    }
    for (const item of c.feedback) if (item.userId) expect(users.has(item.userId)).toBe(true);
    // Every id is unique across the whole catalog.
    const ids = [
      ...c.users.map((u) => u.userId),
      ...c.artists.map((a) => a.artistId),
      ...c.albums.map((a) => a.albumId),
      ...c.tracks.map((t) => t.trackId),
      ...c.posts.map((p) => p.postId),
      ...c.comments.map((m) => m.commentId),
      ...c.feedback.map((f) => f.feedbackId),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(catalogs)("%s: one owner user per artist", (_, c) => {
    const owners = c.artists.map((a) => a.ownerUserId);
    expect(new Set(owners).size).toBe(c.artists.length);
    expect(
      c.users
        .filter((u) => u.role === "artist")
        .map((u) => u.userId)
        .sort(),
    ).toEqual([...owners].sort());
  });

  it.each(catalogs)("%s: identities are unique and claimed before the account exists", (_, c) => {
    expect(new Set(c.users.map((u) => u.username.toLowerCase())).size).toBe(c.users.length);
    expect(new Set(c.users.map((u) => u.email.toLowerCase())).size).toBe(c.users.length);
    for (const user of c.users) expect(user.email).toMatch(/@example\.(com|org|net)$/);

    const names = c.phases.map((p) => p.name);
    expect(names.indexOf("identity claims")).toBeLessThan(names.indexOf("users"));
    const claims = eventsOf(c, "auth.IdentityClaimed");
    const registrations = eventsOf(c, "auth.UserRegistered");
    expect(claims).toHaveLength(2 * c.users.length);
    expect(new Set(claims.map((e) => e.key)).size).toBe(claims.length);
    const registeredAt = new Map(registrations.map((e) => [payload(e).userId, time(e)]));
    const claimsOf = Map.groupBy(claims, (e) => payload(e).userId as string);
    for (const user of c.users) {
      const own = claimsOf.get(user.userId) ?? [];
      expect(own.map((e) => e.key).sort()).toEqual(
        [emailClaimKey(user.email), usernameClaimKey(user.username)].sort(),
      );
      for (const e of own) {
        expect(payload(e).claimKey).toBe(e.key);
        expect(time(e)).toBeLessThan(registeredAt.get(user.userId) as number);
      }
    }
  });

  it("sets one password per user: the documented demo password's argon2id hash", async () => {
    const credentials = eventsOf(tiny, "auth.CredentialSet");
    expect(credentials.map((e) => e.key).sort()).toEqual(tiny.users.map((u) => u.userId).sort());
    for (const e of credentials) expect(payload(e).passwordHash).toBe(demoPasswordHash);
    expect(demoPasswordHash).toMatch(/^\$argon2id\$v=19\$/);
    expect(await verify(demoPasswordHash, demoPassword)).toBe(true);
  });

  it.each(catalogs)("%s: events come in dependency and time order, by the right actors", (_, c) => {
    const names = c.phases.map((p) => p.name);
    expect(names).toEqual([
      "identity claims",
      "users",
      "credentials",
      "artists",
      "albums",
      "tracks",
      "posts",
      "comments",
      "feedback",
    ]);
    for (const phase of c.phases) {
      const times = phase.events.map(time);
      expect(times, phase.name).toEqual([...times].sort((a, b) => a - b));
      for (const t of times) {
        expect(t).toBeGreaterThanOrEqual(demoEpoch.getTime());
        expect(t).toBeLessThan(demoHistoryEnd.getTime());
      }
    }
    const users = new Map(c.users.map((u) => [u.userId, u.registeredAt.getTime()]));
    const artists = new Map(c.artists.map((a) => [a.artistId, a]));
    const albums = new Map(c.albums.map((a) => [a.albumId, a.createdAt.getTime()]));
    const posts = new Map(c.posts.map((p) => [p.postId, p.publishedAt.getTime()]));
    const comments = new Map(c.comments.map((m) => [m.commentId, m.addedAt.getTime()]));
    for (const a of c.artists) {
      expect(a.createdAt.getTime()).toBeGreaterThan(users.get(a.ownerUserId) as number);
    }
    for (const a of c.albums) {
      expect(a.createdAt.getTime()).toBeGreaterThan(
        artists.get(a.artistId)?.createdAt.getTime() as number,
      );
    }
    for (const t of c.tracks) {
      expect(t.createdAt.getTime()).toBeGreaterThan(albums.get(t.albumId) as number);
    }
    for (const p of c.posts) {
      expect(p.publishedAt.getTime()).toBeGreaterThan(users.get(p.authorId) as number);
    }
    for (const m of c.comments) {
      expect(m.addedAt.getTime()).toBeGreaterThan(posts.get(m.postId) as number);
      if (m.parentCommentId) {
        expect(m.addedAt.getTime()).toBeGreaterThan(comments.get(m.parentCommentId) as number);
      }
    }

    for (const e of [...eventsOf(c, "auth.IdentityClaimed"), ...eventsOf(c, "auth.UserRegistered")])
      expect(e.context.actor).toEqual({ userId: null, role: "system" });
    for (const e of eventsOf(c, "artist.TrackCreated")) {
      const owner = artists.get(payload(e).artistId as string)?.ownerUserId;
      expect(e.context.actor).toEqual({ userId: owner, role: "artist" });
    }
    for (const e of eventsOf(c, "content.PostPublished")) {
      expect(e.context.actor.userId).toBe(payload(e).authorId);
      expect(e.context.actor.role).toBe(payload(e).artistId ? "artist" : "listener");
    }
    for (const e of eventsOf(c, "feedback.FeedbackTriaged"))
      expect(e.context.actor).toEqual({ userId: c.admin.userId, role: "admin" });
  });

  it("writes only to topics of the catalog, with the events each topic declares", () => {
    const declared = new Map(topicCatalog.map((t) => [t.name, t.events.map((e) => e.name)]));
    for (const e of allEvents(full)) {
      expect(declared.get(e.type.topic), e.type.name).toContain(e.type.name);
    }
    expect(Object.keys(demoTopicCounts(full)).sort()).toEqual(
      [
        "artist.albums",
        "artist.artists",
        "artist.tracks",
        "auth.credentials",
        "auth.identity-claims",
        "auth.users",
        "comment.comments",
        "content.posts",
        "feedback.feedback",
      ].sort(),
    );
  });

  it("every event is valid against its Avro schema with the platform's logical types", () => {
    const types = new Map<string, avro.Type>();
    let checked = 0;
    for (const c of [tiny, full]) {
      for (const e of allEvents(c)) {
        let type = types.get(e.type.name);
        if (!type) {
          type = avro.Type.forSchema(e.type.schema as avro.Schema, { logicalTypes });
          types.set(e.type.name, type);
        }
        const value = {
          eventId: "00000000-0000-4000-8000-000000000000",
          occurredAt: e.context.occurredAt,
          actor: e.context.actor,
          ...e.payload,
        };
        const bad: string[] = [];
        const valid = type.isValid(value, {
          errorHook: (path: string[], v: unknown) => bad.push(`${path.join(".")}=${String(v)}`),
        });
        if (!valid) throw new Error(`${e.type.name} ${e.key}: ${bad.join(", ")}`);
        checked++;
      }
    }
    expect(checked).toBe(demoEventCount(tiny) + demoEventCount(full));
  });
});
