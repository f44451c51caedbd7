import { isDeepStrictEqual } from "node:util";
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
/**
 * The items that break a rule, described; expect it to be empty. One expect per rule, not
 * one per item: tens of thousands of expect calls made these tests CPU-bound for seconds,
 * past the test time-out on a busy machine, for no better message.
 */
const breaking = <T>(items: Iterable<T>, rule: (item: T) => string | false | null | undefined) => {
  const found: string[] = [];
  for (const item of items) {
    const why = rule(item);
    if (why) found.push(why);
  }
  return found;
};
const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

describe("the demo catalog generator", () => {
  it("is deterministic: the same seed gives byte-identical entities and events", () => {
    // The small catalog runs every code path of the full one in a tenth of the work (a
    // second full catalog took seconds of CPU, beyond the test's time on a loaded machine).
    // Compared as values, not as JSON: two 19 MB strings took seconds on a busy machine.
    const again = generateDemoCatalog({ size: "small", seed: 99 });
    expect(isDeepStrictEqual(again, small)).toBe(true);
    expect(isDeepStrictEqual(generateDemoCatalog({ size: "tiny", seed: 2026 }), tiny)).toBe(true);
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
    expect(
      breaking(full.albums, (a) => !/^\d{4}-\d{2}-\d{2}$/.test(a.releaseDate) && a.releaseDate),
    ).toEqual([]);

    expect(new Set(full.artists.map((a) => a.name.toLowerCase())).size).toBe(300);
    const genres = new Set(full.artists.flatMap((a) => a.genres));
    expect(genres.size).toBeGreaterThan(20);
    expect(breaking(full.albums, (a) => !genres.has(a.genre) && a.genre)).toEqual([]);
    const countries = full.artists.map((a) => a.country).filter((c) => c !== null);
    expect(new Set(countries).size).toBeGreaterThan(15);
    expect(breaking(countries, (code) => !/^[A-Z]{2}$/.test(code) && code)).toEqual([]);
  });

  it.each(catalogs)("%s: every reference points at an existing entity", (_, c) => {
    const users = new Map(c.users.map((u) => [u.userId, u]));
    const artists = new Map(c.artists.map((a) => [a.artistId, a]));
    const albums = new Map(c.albums.map((a) => [a.albumId, a]));
    const posts = new Map(c.posts.map((p) => [p.postId, p]));
    const comments = new Map(c.comments.map((m) => [m.commentId, m]));
    expect(
      breaking(
        c.artists,
        (a) => users.get(a.ownerUserId)?.role !== "artist" && `artist ${a.artistId}: owner`,
      ),
    ).toEqual([]);
    expect(breaking(c.albums, (a) => !artists.has(a.artistId) && `album ${a.albumId}`)).toEqual([]);
    expect(
      breaking(
        c.tracks,
        (t) => albums.get(t.albumId)?.artistId !== t.artistId && `track ${t.trackId}`,
      ),
    ).toEqual([]);
    expect(
      breaking(
        c.posts,
        (p) =>
          (!users.has(p.authorId) ||
            (p.artistId && artists.get(p.artistId)?.ownerUserId !== p.authorId)) &&
          `post ${p.postId}`,
      ),
    ).toEqual([]);
    expect(
      breaking(
        c.comments,
        (m) =>
          (!posts.has(m.postId) ||
            !users.has(m.authorId) ||
            (m.parentCommentId && comments.get(m.parentCommentId)?.postId !== m.postId)) &&
          `comment ${m.commentId}`,
      ),
    ).toEqual([]);
    expect(
      breaking(c.feedback, (f) => f.userId !== null && !users.has(f.userId) && f.feedbackId),
    ).toEqual([]);
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
    expect(breaking(c.users, (u) => !/@example\.(com|org|net)$/.test(u.email) && u.email)).toEqual(
      [],
    );

    const names = c.phases.map((p) => p.name);
    expect(names.indexOf("identity claims")).toBeLessThan(names.indexOf("users"));
    const claims = eventsOf(c, "auth.IdentityClaimed");
    const registrations = eventsOf(c, "auth.UserRegistered");
    expect(claims).toHaveLength(2 * c.users.length);
    expect(new Set(claims.map((e) => e.key)).size).toBe(claims.length);
    const registeredAt = new Map(registrations.map((e) => [payload(e).userId, time(e)]));
    const claimsOf = Map.groupBy(claims, (e) => payload(e).userId as string);
    expect(
      breaking(c.users, (user) => {
        const own = claimsOf.get(user.userId) ?? [];
        const keys = own.map((e) => e.key).sort();
        const wanted = [emailClaimKey(user.email), usernameClaimKey(user.username)].sort();
        if (keys.join() !== wanted.join()) return `${user.userId}: claims ${keys.join()}`;
        const late = own.find(
          (e) =>
            payload(e).claimKey !== e.key || time(e) >= (registeredAt.get(user.userId) as number),
        );
        return late && `${user.userId}: claim ${late.key} after registration or mislabeled`;
      }),
    ).toEqual([]);
  });

  it("sets one password per user: the documented demo password's argon2id hash", async () => {
    const credentials = eventsOf(tiny, "auth.CredentialSet");
    expect(credentials.map((e) => e.key).sort()).toEqual(tiny.users.map((u) => u.userId).sort());
    expect(
      breaking(credentials, (e) => payload(e).passwordHash !== demoPasswordHash && e.key),
    ).toEqual([]);
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
      expect(
        breaking(
          times.keys(),
          (i) => i > 0 && (times[i] as number) < (times[i - 1] as number) && `#${i}`,
        ),
        `${phase.name}: out of time order`,
      ).toEqual([]);
      expect(
        breaking(
          times,
          (t) =>
            (t < demoEpoch.getTime() || t >= demoHistoryEnd.getTime()) && new Date(t).toISOString(),
        ),
        `${phase.name}: outside the demo's history`,
      ).toEqual([]);
    }
    const users = new Map(c.users.map((u) => [u.userId, u.registeredAt.getTime()]));
    const artists = new Map(c.artists.map((a) => [a.artistId, a]));
    const albums = new Map(c.albums.map((a) => [a.albumId, a.createdAt.getTime()]));
    const posts = new Map(c.posts.map((p) => [p.postId, p.publishedAt.getTime()]));
    const comments = new Map(c.comments.map((m) => [m.commentId, m.addedAt.getTime()]));
    const causedFirst = (what: string, at: Date, cause: number | undefined) =>
      !(cause !== undefined && at.getTime() > cause) && what;
    expect([
      ...breaking(c.artists, (a) =>
        causedFirst(`artist ${a.artistId}`, a.createdAt, users.get(a.ownerUserId)),
      ),
      ...breaking(c.albums, (a) =>
        causedFirst(
          `album ${a.albumId}`,
          a.createdAt,
          artists.get(a.artistId)?.createdAt.getTime(),
        ),
      ),
      ...breaking(c.tracks, (t) =>
        causedFirst(`track ${t.trackId}`, t.createdAt, albums.get(t.albumId)),
      ),
      ...breaking(c.posts, (p) =>
        causedFirst(`post ${p.postId}`, p.publishedAt, users.get(p.authorId)),
      ),
      ...breaking(c.comments, (m) =>
        causedFirst(`comment ${m.commentId}`, m.addedAt, posts.get(m.postId)),
      ),
      ...breaking(
        c.comments,
        (m) =>
          m.parentCommentId !== null &&
          causedFirst(`reply ${m.commentId}`, m.addedAt, comments.get(m.parentCommentId)),
      ),
    ]).toEqual([]);

    const actedBy = (e: PendingEvent<Envelope>, userId: unknown, role: string) =>
      (e.context.actor.userId !== userId || e.context.actor.role !== role) &&
      `${e.type.name} ${e.key}: ${JSON.stringify(e.context.actor)}`;
    expect([
      ...breaking(
        [...eventsOf(c, "auth.IdentityClaimed"), ...eventsOf(c, "auth.UserRegistered")],
        (e) => actedBy(e, null, "system"),
      ),
      ...breaking(eventsOf(c, "artist.TrackCreated"), (e) =>
        actedBy(e, artists.get(payload(e).artistId as string)?.ownerUserId, "artist"),
      ),
      ...breaking(eventsOf(c, "content.PostPublished"), (e) =>
        actedBy(e, payload(e).authorId, payload(e).artistId ? "artist" : "listener"),
      ),
      ...breaking(eventsOf(c, "feedback.FeedbackTriaged"), (e) =>
        actedBy(e, c.admin.userId, "admin"),
      ),
    ]).toEqual([]);
  });

  it("writes only to topics of the catalog, with the events each topic declares", () => {
    const declared = new Map(topicCatalog.map((t) => [t.name, t.events.map((e) => e.name)]));
    expect(
      breaking(
        allEvents(full),
        (e) =>
          !declared.get(e.type.topic)?.includes(e.type.name) && `${e.type.topic}: ${e.type.name}`,
      ),
    ).toEqual([]);
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
