/**
 * Property: whatever commands the write API is given, in whatever order, every Postgres
 * view and every search index equals a reference model folded from the topics
 * (tests/support/views-model.ts), and the topics hold exactly the events the API accepted.
 *
 * One prefixed topic set, one set of view schemas and index aliases for the whole file:
 * setting them up costs seconds, a run well under one. Runs add to the same topics, so
 * the model is folded from every record of every run and the views are compared whole. A
 * failing run leaves the views wrong for every later attempt, so shrinking could not tell
 * a smaller failing sequence from the damage already done: the first failure is reported
 * as it is (endOnFailure), with the run's commands and what the API answered to each.
 * Replay a failure with VOBE_VIEWS_SEED=<the seed fast-check prints>.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, inject, it } from "vitest";
import { buildApp } from "../../api/app.ts";
import { createAuth, type Role } from "../../api/http/auth.ts";
import { createFetcher, type Fetcher } from "../../platform/kafka/index.ts";
import type { Pool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import { type RunningProcessors, startProcessors } from "../../processors/apps/index.ts";
import { topologyNames } from "../../processors/topologies/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { dlqHeaders, type Sink, type ViewDefinition } from "../../sinks/engine/index.ts";
import { activate, createSinkRuntime, type SinkRuntime, sinkFor } from "../../sinks/runtime.ts";
import { aliasName, type SearchIndex } from "../../sinks/search/contract.ts";
import { searchView } from "../../sinks/search/view.ts";
import { postgresViews } from "../../sinks/views.ts";
import { keyHistories } from "../support/key-histories.ts";
import { processorsCaughtUp } from "../support/processors-caught-up.ts";
import { cleanup, sinkTestRun, viewPool } from "../support/sinks-fixtures.ts";
import { testAccounts } from "../support/test-accounts.ts";
import {
  diffRows,
  type Log,
  modelTopics,
  postgresModel,
  type Row,
  readLog,
  searchModel,
  selectAll,
  tableKeys,
} from "../support/views-model.ts";

/** Runs per file: CI's budget; VOBE_VIEWS_RUNS=50 searches longer (and needs a longer timeout). */
const runs = Number(process.env.VOBE_VIEWS_RUNS ?? 10);
const jwtSecret = "test-secret-for-the-views-property-0123456789";
const password = "correct horse battery";
/** Few names: sign-ups collide (409), and take the names that erasures released. */
const usernames = ["ana", "bob_1", "cleo.v"];
/** An id nothing has: a command on it is refused with 404. */
const nothing = "00000000-0000-4000-8000-000000000000";

// ---- commands ------------------------------------------------------------------------------

/**
 * What a command acts on, among what exists by then: the index is taken modulo, so every
 * sequence means something whatever came before. Most targets are alive; the others may be
 * deleted already, which the API must refuse.
 */
interface Target {
  index: number;
  alive: boolean;
}

/**
 * A command and its arguments. `asOwner` makes the entity's owner send it; otherwise some
 * actor (`who`) does, who may not be allowed to.
 */
type Command =
  | {
      kind: "signUp";
      name: number;
      shout: boolean;
      role: "listener" | "artist";
      displayName: string;
    }
  | { kind: "updateProfile"; account: Target; changes: Row }
  | { kind: "erase"; account: Target }
  | { kind: "createArtist"; who: number; body: Row }
  | {
      kind: "updateArtist" | "updateAlbum" | "updateTrack";
      target: Target;
      asOwner: boolean;
      who: number;
      changes: Row;
    }
  | {
      kind: "deleteArtist" | "deleteAlbum" | "deleteTrack";
      target: Target;
      asOwner: boolean;
      who: number;
    }
  | { kind: "createAlbum"; artist: Target; asOwner: boolean; who: number; body: Row }
  | { kind: "createTrack"; album: Target; asOwner: boolean; who: number; body: Row }
  | { kind: "publishPost"; who: number; forArtist: Target | null; body: Row }
  | { kind: "editPost"; post: Target; asOwner: boolean; who: number; changes: Row }
  | { kind: "deletePost"; post: Target; asOwner: boolean; who: number }
  | { kind: "addComment"; post: Target; who: number; replyTo: Target | null; body: string }
  | { kind: "editComment"; comment: Target; asOwner: boolean; who: number; body: string }
  | { kind: "deleteComment"; comment: Target; asOwner: boolean; who: number }
  | { kind: "submitFeedback"; who: number | null; body: Row }
  | { kind: "triageFeedback"; item: Target; assignee: number | null; body: Row }
  | { kind: "resolveFeedback"; item: Target; body: Row }
  | { kind: "reportPlays"; who: number; plays: Play[] }
  | { kind: "like"; who: number; track: Target; liked: boolean }
  | { kind: "chat"; who: number; conversation: Target | null; text: string }
  | { kind: "createPlaylist"; who: number; name: string; visibility: "private" | "public" | null }
  | { kind: "renamePlaylist"; playlist: Target; asOwner: boolean; who: number; name: string }
  | { kind: "sharePlaylist"; playlist: Target; asOwner: boolean; who: number; shared: boolean }
  | { kind: "deletePlaylist"; playlist: Target; asOwner: boolean; who: number }
  | {
      kind: "addToPlaylist";
      playlist: Target;
      asOwner: boolean;
      who: number;
      track: Target;
      position: number | null;
    }
  | { kind: "moveEntry"; entry: Target; asOwner: boolean; who: number; position: number }
  | { kind: "removeEntry"; entry: Target; asOwner: boolean; who: number };

interface Play {
  track: Target;
  /** listenedMs / durationMs; above 1 the play is longer than the track (refused, 400). */
  share: number;
  durationMs: number;
  minutesAgo: number | null;
}

/**
 * Plays of one batch stay within 2^31 ms (24.8 days) of each other: beyond that the Kafka
 * client encodes a record's timestamp delta wrong (@platformatic/dynamic-buffer 0.3.1,
 * int64ZigZagEncode shifts by 31, not 63): an older play is refused (INVALID_TIMESTAMP,
 * the batch answers 500), a newer one gets a timestamp in the past.
 */
const maxPlayAgeMinutes = 20 * 24 * 60;

const word = fc.constantFrom(
  "Björk",
  "Мумий",
  "Тролль",
  "東京",
  "jazz",
  "O'Brien",
  '"quoted"',
  "<b>bold</b>",
  "50%",
  "back\\slash",
  "🎷",
  "naïve",
  "x'); drop table tracks;--",
);
const line = fc.array(word, { minLength: 1, maxLength: 3 }).map((w) => w.join(" "));
const paragraph = fc.array(line, { minLength: 1, maxLength: 3 }).map((l) => l.join("\n"));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
const who = fc.nat({ max: 20 });
const target: fc.Arbitrary<Target> = fc.record({
  index: fc.nat({ max: 50 }),
  alive: fc.constantFrom(true, true, true, true, false),
});
const asOwner = fc.constantFrom(true, true, true, false);
/** Optional fields, any subset (an empty PATCH is refused with 400, like any bad command). */
const some = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Row>;
const withRequired = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[]) =>
  fc.record(fields, { requiredKeys: required }) as fc.Arbitrary<Row>;

const genre = fc.constantFrom("pop", "jazz", "électronique", "k-pop", "Тролль-рок");
const artistFields = {
  name: line,
  country: nullable(fc.constantFrom("IS", "SE", "JP", "RU")),
  genres: fc.array(genre, { maxLength: 3 }),
  bio: nullable(paragraph),
};
const albumFields = {
  title: line,
  releaseDate: fc
    .date({ min: new Date("1950-01-01"), max: new Date("2030-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  genre,
  coverUrl: nullable(fc.constantFrom("https://img.example.com/cover.jpg", "http://x.io/c")),
};
const trackFields = {
  title: line,
  durationMs: fc.integer({ min: 1, max: 3_600_000 }),
  trackNumber: fc.integer({ min: 1, max: 30 }),
  genre,
  explicit: fc.boolean(),
};
const profileFields = {
  displayName: line,
  bio: nullable(paragraph),
  avatarUrl: nullable(fc.constant("https://cdn.example.com/a.png")),
  locale: nullable(fc.constantFrom("sv", "en-GB", "zh-Hant-TW")),
};

const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
const kind = <K extends Command["kind"]>(k: K) => fc.constant(k);

const command: fc.Arbitrary<Command> = fc.oneof(
  weighted(
    3,
    fc.record({
      kind: kind("signUp"),
      name: fc.nat({ max: usernames.length - 1 }),
      shout: fc.boolean(),
      role: fc.constantFrom("listener" as const, "artist" as const),
      displayName: line,
    }),
  ),
  weighted(
    3,
    fc.record({ kind: kind("updateProfile"), account: target, changes: some(profileFields) }),
  ),
  weighted(2, fc.record({ kind: kind("erase"), account: target })),
  weighted(
    4,
    fc.record({ kind: kind("createArtist"), who, body: withRequired(artistFields, ["name"]) }),
  ),
  ...(
    [
      ["updateArtist", artistFields],
      ["updateAlbum", albumFields],
      ["updateTrack", trackFields],
    ] as const
  ).map(([k, fields]) =>
    weighted(2, fc.record({ kind: kind(k), target, asOwner, who, changes: some(fields) })),
  ),
  // Deleting an artist or an album leaves its albums and tracks: their documents change.
  ...(["deleteArtist", "deleteAlbum", "deleteTrack"] as const).map((k) =>
    weighted(2, fc.record({ kind: kind(k), target, asOwner, who })),
  ),
  weighted(
    5,
    fc.record({
      kind: kind("createAlbum"),
      artist: target,
      asOwner,
      who,
      body: withRequired(albumFields, ["title", "releaseDate", "genre"]),
    }),
  ),
  weighted(
    6,
    fc.record({
      kind: kind("createTrack"),
      album: target,
      asOwner,
      who,
      body: withRequired(trackFields, ["title", "durationMs", "trackNumber", "genre"]),
    }),
  ),
  weighted(
    4,
    fc.record({
      kind: kind("publishPost"),
      who,
      forArtist: nullable(target),
      body: withRequired({ title: line, body: paragraph }, ["title", "body"]),
    }),
  ),
  weighted(
    2,
    fc.record({
      kind: kind("editPost"),
      post: target,
      asOwner,
      who,
      changes: some({ title: line, body: paragraph }),
    }),
  ),
  weighted(1, fc.record({ kind: kind("deletePost"), post: target, asOwner, who })),
  weighted(
    5,
    fc.record({
      kind: kind("addComment"),
      post: target,
      who,
      replyTo: nullable(target),
      body: paragraph,
    }),
  ),
  weighted(
    2,
    fc.record({ kind: kind("editComment"), comment: target, asOwner, who, body: paragraph }),
  ),
  weighted(1, fc.record({ kind: kind("deleteComment"), comment: target, asOwner, who })),
  weighted(
    3,
    fc.record({
      kind: kind("submitFeedback"),
      who: nullable(who),
      body: withRequired(
        {
          category: fc.constantFrom("bug", "idea", "content", "other"),
          message: paragraph,
          page: nullable(fc.constantFrom("/player", "/search?q=jazz", "/artist/1#top")),
        },
        ["category", "message"],
      ),
    }),
  ),
  weighted(
    2,
    fc.record({
      kind: kind("triageFeedback"),
      item: target,
      assignee: nullable(who),
      body: withRequired(
        { priority: fc.constantFrom("low", "normal", "high", "urgent"), note: nullable(line) },
        ["priority"],
      ),
    }),
  ),
  weighted(
    1,
    fc.record({
      kind: kind("resolveFeedback"),
      item: target,
      body: withRequired(
        {
          resolution: fc.constantFrom("fixed", "wont_fix", "duplicate", "answered"),
          note: nullable(line),
        },
        ["resolution"],
      ),
    }),
  ),
  weighted(
    5,
    fc.record({
      kind: kind("reportPlays"),
      who,
      plays: fc.array(
        fc.record({
          track: target,
          share: fc.integer({ min: 0, max: 102 }).map((percent) => percent / 100),
          durationMs: fc.integer({ min: 1_000, max: 600_000 }),
          minutesAgo: nullable(fc.integer({ min: 0, max: maxPlayAgeMinutes })),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  ),
  weighted(4, fc.record({ kind: kind("like"), who, track: target, liked: fc.boolean() })),
  weighted(
    2,
    fc.record({ kind: kind("chat"), who, conversation: nullable(target), text: paragraph }),
  ),
  weighted(
    2,
    fc.record({
      kind: kind("createPlaylist"),
      who,
      name: line,
      visibility: nullable(fc.constantFrom("private" as const, "public" as const)),
    }),
  ),
  weighted(
    1,
    fc.record({ kind: kind("renamePlaylist"), playlist: target, asOwner, who, name: line }),
  ),
  weighted(
    1,
    fc.record({
      kind: kind("sharePlaylist"),
      playlist: target,
      asOwner,
      who,
      shared: fc.boolean(),
    }),
  ),
  weighted(1, fc.record({ kind: kind("deletePlaylist"), playlist: target, asOwner, who })),
  weighted(
    4,
    fc.record({
      kind: kind("addToPlaylist"),
      playlist: target,
      asOwner,
      who,
      track: target,
      position: nullable(fc.nat({ max: 6 })),
    }),
  ),
  weighted(
    2,
    fc.record({
      kind: kind("moveEntry"),
      entry: target,
      asOwner,
      who,
      position: fc.nat({ max: 6 }),
    }),
  ),
  weighted(1, fc.record({ kind: kind("removeEntry"), entry: target, asOwner, who })),
);

// ---- the world the commands act in -----------------------------------------------------------

interface Actor {
  userId: string;
  role: Role;
  token: string;
  /** Signed up through the API; the others only hold a token, which the API accepts too. */
  registered: boolean;
}

type Entity =
  | "artist"
  | "album"
  | "track"
  | "post"
  | "comment"
  | "feedback"
  | "conversation"
  | "playlist"
  | "entry";

interface Position {
  topic: string;
  partition: number;
  offset: string;
}

/** One HTTP request of a command, and what it does to the world when it is accepted. */
interface Request {
  method: "POST" | "PATCH" | "PUT" | "DELETE";
  url: string;
  actor: Actor | null;
  payload?: object;
  /** The entity it creates; its id is the key of the event (or `id` when known). */
  creates?: { entity: Entity; parent?: string; id?: string };
  /** The entity (or account) that no longer exists afterwards. */
  ends?: string;
}

const positionOf = (p: Position) => `${p.topic}/${p.partition}@${p.offset}`;
const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

describe("the views against a model of the topics (property)", () => {
  const endpoints = inject("endpoints");
  const run = sinkTestRun(endpoints, "views-property");
  // Every topic: the topologies run here too, since the views store what they derive.
  const entries = prefixedCatalog(run.topicPrefix, catalog);
  let processors: RunningProcessors | undefined;
  let stateDir: string | undefined;
  const placement = { schemaPrefix: run.schemaPrefix, topicPrefix: run.topicPrefix, maxWaitMs: 50 };
  const auth = createAuth({ secret: jwtSecret });
  const pools = new Map<string, Pool>();
  const versions = new Map<string, number>();
  let app: Awaited<ReturnType<typeof buildApp>>;
  let engine: SearchEngine;
  let views: ViewDefinition[];
  let runtime: SinkRuntime;
  let fetcher: Fetcher;
  let sinks: Sink[] = [];

  const actors: Actor[] = [];
  const entities: Record<Entity, string[]> = {
    artist: [],
    album: [],
    track: [],
    post: [],
    comment: [],
    feedback: [],
    conversation: [],
    playlist: [],
    entry: [],
  };
  /** Deleted entities, resolved feedback items, erased accounts. */
  const gone = new Set<string>();
  /** An album's artist, a track's album, a comment's post: gone with it, for the API. */
  const parents = new Map<string, string>();
  /** Who created each entity: the one allowed to change it. */
  const owners = new Map<string, Actor>();
  /** Where every event the API accepted landed, in the topics the model reads. */
  const accepted = new Set<string>();

  const accounts = testAccounts(
    endpoints.kafkaBrokers,
    endpoints.schemaRegistryUrl,
    run.topicPrefix,
  );
  const addActor = async (userId: string, role: Role, registered: boolean) => {
    // A token needs an account (api/auth/liveness.ts): token-only actors get a bare
    // registration, which the model reads from the log like any other.
    if (!registered) {
      const at = await accounts.register({ userId, role });
      if (at) accept([{ ...at, offset: String(at.offset) }]);
    }
    const { token } = await auth.issue({ userId, role, username: "tester" });
    actors.push({ userId, role, token, registered });
  };

  const startSinks = async () => {
    for (const view of views) {
      const pool = await runtime.pool(view.database);
      const sink = sinkFor(runtime, view, pool, versions.get(view.name) as number, placement);
      await sink.start();
      sinks.push(sink);
    }
  };
  const stopSinks = async () => {
    for (const sink of sinks) await sink.stop();
    sinks = [];
  };

  beforeAll(async () => {
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    stateDir = await mkdtemp(join(tmpdir(), "vobe-views-property-"));
    processors = await startProcessors({
      brokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      prefix: run.topicPrefix,
      stateDir,
      instanceId: `tests-property-${run.id}`,
    });
    app = await buildApp({
      endpoints,
      topicPrefix: run.topicPrefix,
      jwtSecret,
      // VOBE_TEST_API_LOG=1 shows the app's errors (a 500's cause).
      logger: process.env.VOBE_TEST_API_LOG ? { level: "error" } : false,
    });
    engine = await connectSearch(endpoints);
    views = [...postgresViews, searchView({ engine, indexPrefix: run.indexPrefix })];
    runtime = createSinkRuntime(run.endpoints, `vobe-tests-views-property-${run.id}`);
    for (const view of views) versions.set(view.name, await activate(runtime, view, placement));
    for (const view of postgresViews) pools.set(view.database, await viewPool(run, view.database));
    fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-property" });
    // Admins cannot sign up; the first artists and listeners hold only a token.
    for (const role of ["admin", "artist", "artist", "listener"] as const) {
      await addActor(randomUUID(), role, false);
    }
    await startSinks();
  });

  afterAll(async () => {
    await stopSinks();
    await app?.close();
    await accounts.close();
    await processors?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
    await fetcher?.close();
    await runtime?.close();
    for (const pool of pools.values()) await pool.end();
    if (views) await cleanup(run, views);
    // cleanup() deletes the subjects of the topics the views read; these are the others.
    const registry = registryApi(endpoints.schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await registry.deleteSubject(subject).catch(() => {});
    }
    await engine?.close();
  });

  // ---- turning a command into a request -----------------------------------------------------

  const alive = (id: string): boolean => {
    const parent = parents.get(id);
    return !gone.has(id) && (parent === undefined || alive(parent));
  };
  const pick = (entity: Entity, at: Target | null): string => {
    const candidates = at?.alive ? entities[entity].filter(alive) : entities[entity];
    return at === null || candidates.length === 0
      ? nothing
      : (candidates[at.index % candidates.length] as string);
  };
  const someone = (index: number, role?: Role): Actor => {
    const cast = role ? actors.filter((a) => a.role === role) : actors;
    return cast[index % cast.length] as Actor;
  };
  const ownerOr = (id: string, asOwner: boolean, index: number, role?: Role): Actor =>
    (asOwner ? owners.get(id) : undefined) ?? someone(index, role);
  const account = (at: Target): Actor => {
    const accounts = actors.filter((a) => a.registered && (!at.alive || !gone.has(a.userId)));
    return accounts[at.index % Math.max(1, accounts.length)] ?? someone(at.index);
  };
  const catalogEntity = (k: `${string}${"Artist" | "Album" | "Track"}`): [Entity, string] =>
    k.endsWith("Artist")
      ? ["artist", "artists"]
      : k.endsWith("Album")
        ? ["album", "albums"]
        : ["track", "tracks"];

  const requestFor = (c: Exclude<Command, { kind: "signUp" }>): Request => {
    switch (c.kind) {
      case "updateProfile":
        return {
          method: "PATCH",
          url: "/api/auth/me",
          actor: account(c.account),
          payload: c.changes,
        };
      case "erase": {
        const actor = account(c.account);
        return { method: "DELETE", url: "/api/auth/me", actor, ends: actor.userId };
      }
      case "createArtist":
        return {
          method: "POST",
          url: "/api/artist/artists",
          actor: someone(c.who, "artist"),
          payload: c.body,
          creates: { entity: "artist" },
        };
      case "updateArtist":
      case "updateAlbum":
      case "updateTrack": {
        const [entity, path] = catalogEntity(c.kind);
        const id = pick(entity, c.target);
        const actor = ownerOr(id, c.asOwner, c.who, "artist");
        return { method: "PATCH", url: `/api/artist/${path}/${id}`, actor, payload: c.changes };
      }
      case "deleteArtist":
      case "deleteAlbum":
      case "deleteTrack": {
        const [entity, path] = catalogEntity(c.kind);
        const id = pick(entity, c.target);
        const actor = ownerOr(id, c.asOwner, c.who, "artist");
        return { method: "DELETE", url: `/api/artist/${path}/${id}`, actor, ends: id };
      }
      case "createAlbum": {
        const artistId = pick("artist", c.artist);
        return {
          method: "POST",
          url: "/api/artist/albums",
          actor: ownerOr(artistId, c.asOwner, c.who, "artist"),
          payload: { ...c.body, artistId },
          creates: { entity: "album", parent: artistId },
        };
      }
      case "createTrack": {
        const albumId = pick("album", c.album);
        return {
          method: "POST",
          url: "/api/artist/tracks",
          actor: ownerOr(albumId, c.asOwner, c.who, "artist"),
          payload: { ...c.body, albumId },
          creates: { entity: "track", parent: albumId },
        };
      }
      case "publishPost": {
        // Posting for an artist is its manager's to do: they send it.
        const artistId = c.forArtist === null ? undefined : pick("artist", c.forArtist);
        return {
          method: "POST",
          url: "/api/content/posts",
          actor: ownerOr(artistId ?? "", true, c.who),
          payload: { ...c.body, artistId },
          creates: { entity: "post" },
        };
      }
      case "editPost": {
        const id = pick("post", c.post);
        const actor = ownerOr(id, c.asOwner, c.who);
        return { method: "PATCH", url: `/api/content/posts/${id}`, actor, payload: c.changes };
      }
      case "deletePost": {
        const id = pick("post", c.post);
        // Someone else than the author: an admin (who may) or not.
        const actor = ownerOr(id, c.asOwner, c.who, c.who % 2 === 0 ? "admin" : undefined);
        return { method: "DELETE", url: `/api/content/posts/${id}`, actor, ends: id };
      }
      case "addComment": {
        // A reply goes on its parent's post (another post is refused, 400).
        const parent = c.replyTo === null ? nothing : pick("comment", c.replyTo);
        const parentCommentId = parent === nothing ? undefined : parent;
        const postId = (parentCommentId && parents.get(parentCommentId)) ?? pick("post", c.post);
        return {
          method: "POST",
          url: `/api/comment/posts/${postId}/comments`,
          actor: someone(c.who),
          payload: { body: c.body, parentCommentId },
          creates: { entity: "comment", parent: postId },
        };
      }
      case "editComment": {
        const id = pick("comment", c.comment);
        const actor = ownerOr(id, c.asOwner, c.who);
        return {
          method: "PATCH",
          url: `/api/comment/comments/${id}`,
          actor,
          payload: { body: c.body },
        };
      }
      case "deleteComment": {
        const id = pick("comment", c.comment);
        const actor = ownerOr(id, c.asOwner, c.who, c.who % 2 === 0 ? "admin" : undefined);
        return { method: "DELETE", url: `/api/comment/comments/${id}`, actor, ends: id };
      }
      case "submitFeedback":
        return {
          method: "POST",
          url: "/api/feedback",
          actor: c.who === null ? null : someone(c.who),
          payload: c.body,
          creates: { entity: "feedback" },
        };
      case "triageFeedback": {
        const assigneeId = c.assignee === null ? null : someone(c.assignee).userId;
        return {
          method: "POST",
          url: `/api/feedback/${pick("feedback", c.item)}/triage`,
          actor: someone(0, "admin"),
          payload: { ...c.body, assigneeId },
        };
      }
      case "resolveFeedback": {
        const id = pick("feedback", c.item);
        return {
          method: "POST",
          url: `/api/feedback/${id}/resolve`,
          actor: someone(0, "admin"),
          payload: c.body,
          ends: id,
        };
      }
      case "reportPlays":
        return {
          method: "POST",
          url: "/api/listening/plays",
          actor: someone(c.who),
          payload: {
            plays: c.plays.map((p) => ({
              trackId: pick("track", p.track),
              listenedMs: Math.round(p.share * p.durationMs),
              trackDurationMs: p.durationMs,
              ...(p.minutesAgo === null
                ? {}
                : { playedAt: new Date(Date.now() - p.minutesAgo * 60_000).toISOString() }),
            })),
          },
        };
      case "like":
        return {
          method: c.liked ? "PUT" : "DELETE",
          url: `/api/listening/tracks/${pick("track", c.track)}/like`,
          actor: someone(c.who),
        };
      case "createPlaylist":
        return {
          method: "POST",
          url: "/api/listening/playlists",
          actor: someone(c.who),
          payload: { name: c.name, ...(c.visibility ? { visibility: c.visibility } : {}) },
          creates: { entity: "playlist" },
        };
      case "renamePlaylist": {
        const id = pick("playlist", c.playlist);
        return {
          method: "PUT",
          url: `/api/listening/playlists/${id}/name`,
          actor: ownerOr(id, c.asOwner, c.who),
          payload: { name: c.name },
        };
      }
      case "sharePlaylist": {
        const id = pick("playlist", c.playlist);
        return {
          method: "PUT",
          url: `/api/listening/playlists/${id}/visibility`,
          actor: ownerOr(id, c.asOwner, c.who),
          payload: { visibility: c.shared ? "public" : "private" },
        };
      }
      case "deletePlaylist": {
        const id = pick("playlist", c.playlist);
        const actor = ownerOr(id, c.asOwner, c.who);
        return { method: "DELETE", url: `/api/listening/playlists/${id}`, actor, ends: id };
      }
      case "addToPlaylist": {
        const id = pick("playlist", c.playlist);
        return {
          method: "POST",
          url: `/api/listening/playlists/${id}/tracks`,
          actor: ownerOr(id, c.asOwner, c.who),
          payload: { trackId: pick("track", c.track), position: c.position },
          // The 202's id is the new entry's (the event's key is the playlist's).
          creates: { entity: "entry", parent: id },
        };
      }
      case "moveEntry":
      case "removeEntry": {
        const entryId = pick("entry", c.entry);
        const playlistId = parents.get(entryId) ?? nothing;
        const url = `/api/listening/playlists/${playlistId}/tracks/${entryId}`;
        const actor = ownerOr(entryId, c.asOwner, c.who);
        return c.kind === "moveEntry"
          ? { method: "PUT", url: `${url}/position`, actor, payload: { position: c.position } }
          : { method: "DELETE", url, actor, ends: entryId };
      }
      case "chat": {
        const existing = c.conversation === null ? undefined : pick("conversation", c.conversation);
        const conversationId =
          existing === undefined || existing === nothing ? randomUUID() : existing;
        const fresh = conversationId !== existing;
        return {
          method: "POST",
          url: `/api/chat/conversations/${conversationId}/messages`,
          // Mostly its starter; now and then someone else, whom the API refuses (403).
          actor: ownerOr(conversationId, c.who % 4 !== 0, c.who),
          payload: { text: c.text },
          ...(fresh ? { creates: { entity: "conversation", id: conversationId } } : {}),
        };
      }
    }
  };

  // ---- sending it ----------------------------------------------------------------------------

  const send = async (request: Pick<Request, "method" | "url" | "actor" | "payload">) => {
    const res = await app.inject({
      method: request.method,
      url: request.url,
      headers: request.actor ? { authorization: `Bearer ${request.actor.token}` } : {},
      ...(request.payload ? { payload: request.payload } : {}),
    });
    const body = res.json() as Record<string, unknown>;
    if (res.statusCode >= 500) {
      throw new Error(`${request.method} ${request.url}: ${res.statusCode} ${res.body}`);
    }
    return { status: res.statusCode, body };
  };

  const accept = (landed: readonly Position[]) => {
    for (const at of landed) {
      const topic = at.topic.slice(run.topicPrefix.length);
      if ((modelTopics as readonly string[]).includes(topic)) accepted.add(positionOf(at));
    }
  };

  /** The key of the record at a position: the id of the entity a command created. */
  const keyAt = async (at: Position): Promise<string> => {
    const offset = BigInt(at.offset);
    for (let attempt = 0; attempt < 50; attempt++) {
      const [part] = await fetcher.fetch([{ topic: at.topic, partition: at.partition, offset }]);
      const record = part?.records.find((r) => r.offset === offset);
      if (record?.key) return record.key.toString();
    }
    throw new Error(`no record at ${positionOf(at)}`);
  };

  const signUp = async (c: Extract<Command, { kind: "signUp" }>) => {
    const name = usernames[c.name] as string;
    // The same name shouted is the same identity (claims are case-insensitive).
    const username = c.shout ? name.toUpperCase() : name;
    const res = await send({
      method: "POST",
      url: "/api/auth/signup",
      actor: null,
      payload: {
        username,
        email: `${username}@Example.com`,
        password,
        displayName: c.displayName,
        role: c.role,
      },
    });
    if (res.status !== 201) return { status: res.status };
    const userId = res.body.userId as string;
    await addActor(userId, c.role, true);
    accept(res.body.events as Position[]);
    return { status: res.status, created: userId };
  };

  /** Sends a command; answers the status and, when it created something, its id. */
  const execute = async (c: Command): Promise<{ status: number; created?: string }> => {
    if (c.kind === "signUp") return signUp(c);
    const request = requestFor(c);
    const { status, body } = await send(request);
    if (status !== 202) return { status };
    const landed =
      c.kind === "reportPlays" ? (body.plays as Position[]) : [body as unknown as Position];
    accept(landed);
    if (request.ends) gone.add(request.ends);
    const creates = request.creates;
    if (!creates) return { status };
    const id =
      creates.id ??
      (creates.entity === "entry" ? (body.id as string) : await keyAt(landed[0] as Position));
    entities[creates.entity].push(id);
    if (request.actor) owners.set(id, request.actor);
    if (creates.parent) parents.set(id, creates.parent);
    return { status, created: id };
  };

  // ---- comparing the views with the model ----------------------------------------------------

  const schemaOf = (view: string) => `${run.schemaPrefix}${view}`;

  /** The log holds the events the API accepted, all of them and nothing else. */
  const logDifferences = (log: Log): string[] => {
    const lines = log.tombstones.map((at) => `log: a tombstone at ${at}; these topics carry none`);
    const logged = new Set(
      log.records.map((r) => `${run.topicPrefix}${r.topic}/${r.partition}@${r.offset}`),
    );
    for (const at of accepted) {
      if (!logged.has(at)) lines.push(`log: the API accepted an event at ${at}; it is not there`);
    }
    for (const at of logged) {
      if (!accepted.has(at)) lines.push(`log: an event at ${at} that no accepted command wrote`);
    }
    return lines;
  };

  /** Every table of every Postgres view equals the model, and each view has read to the end. */
  const postgresDifferences = async (log: Log): Promise<string[]> => {
    const lines: string[] = [];
    const model = postgresModel(log.records);
    for (const view of postgresViews) {
      const pool = pools.get(view.database) as Pool;
      const schema = schemaOf(view.name);
      const { rows } = await pool.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = $1 and table_name <> 'sink_offsets'",
        [schema],
      );
      const tables = new Set(rows.map((r) => r.table_name));
      const expected = model[view.name] ?? {};
      for (const table of new Set([...tables, ...Object.keys(expected)])) {
        const name = `${view.name}.${table}`;
        const keys = tableKeys[name];
        const modelRows = expected[table];
        if (!tables.has(table)) lines.push(`${name}: in the model, not in the view`);
        else if (!keys || !modelRows) lines.push(`${name}: a table the model does not know`);
        else lines.push(...diffRows(name, keys, await selectAll(pool, schema, table), modelRows));
      }
      const stored = await pool.query<{ topic: string; partition: number; next_offset: string }>(
        `select topic, partition, next_offset from "${schema}".sink_offsets`,
      );
      const read = new Map(stored.rows.map((r) => [`${r.topic}/${r.partition}`, r.next_offset]));
      const topics = new Set(view.events.map((e) => `${run.topicPrefix}${e.topic}`));
      const ends = new Map(log.ends);
      // Derived topics are not in the model's log: their ends are asked for here.
      for (const topic of topics) {
        if ([...ends.keys()].some((slot) => slot.startsWith(`${topic}/`))) continue;
        const derivedEnds = await runtime.source.admin.endOffsets(topic, "read_committed");
        for (const [partition, end] of derivedEnds.entries())
          ends.set(`${topic}/${partition}`, end);
      }
      for (const [slot, end] of ends) {
        const position = BigInt(read.get(slot) ?? 0);
        if (topics.has(slot.slice(0, slot.lastIndexOf("/"))) && position !== end) {
          lines.push(`${view.name}: has read ${slot} to ${position}; it ends at ${end}`);
        }
      }
    }
    return lines;
  };

  /** Every document of every search index equals the model's, and no other is there. */
  const searchDifferences = async (log: Log): Promise<string[]> => {
    const lines: string[] = [];
    const documents = searchModel(log.records);
    for (const index of Object.keys(documents) as SearchIndex[]) {
      const alias = aliasName(index, run.indexPrefix);
      await engine.refresh(alias);
      const found = await engine.search<Row>(alias, { query: { match_all: {} }, size: 10_000 });
      if (found.total > found.hits.length) lines.push(`search ${index}: more than one page`);
      const actual = found.hits.map((h) => ({ _id: h.id, ...h.source }));
      const expected = new Map([...documents[index]].map(([id, doc]) => [id, { _id: id, ...doc }]));
      lines.push(...diffRows(`search ${index}`, ["_id"], actual, expected));
    }
    return lines;
  };

  /** A record a view refused is one it disagrees with the log about: show why. */
  const deadLetters = async (): Promise<string[]> => {
    const lines: string[] = [];
    for (const view of views) {
      const topic = `${run.topicPrefix}${view.name}-dlq`;
      const [end = 0n] = await runtime.source.admin.endOffsets(topic);
      if (end === 0n) continue;
      const [part] = await fetcher.fetch([{ topic, partition: 0, offset: 0n }], {
        isolation: "read_uncommitted",
      });
      for (const r of part?.records ?? []) {
        const origin = ["topic", "partition", "offset"] as const;
        const [t, p, o] = origin.map((h) => r.headers.get(dlqHeaders[h])?.toString());
        const error = r.headers.get(dlqHeaders.error)?.toString();
        lines.push(`${view.name}: dead-lettered ${t}/${p}@${o}: ${error}`);
      }
    }
    return lines;
  };

  // ---- the property ----------------------------------------------------------------------------

  const seed = process.env.VOBE_VIEWS_SEED ? Number(process.env.VOBE_VIEWS_SEED) : undefined;
  let runNumber = 0;

  it(
    "random commands across services: every view and index equals the model of the topics",
    async () => {
      if (seed !== undefined) console.log(`views property: replaying seed ${seed}`);
      await fc.assert(
        fc.asyncProperty(
          fc.array(command, { minLength: 20, maxLength: 60, size: "max" }),
          // Sinks that follow the commands get them one or two at a time; sinks started
          // afterwards get them in a few large batches, where rows are merged before writing.
          fc.boolean(),
          async (commands, sinksFollow) => {
            runNumber += 1;
            if (!sinksFollow) await stopSinks();
            const trace: string[] = [];
            for (const [i, c] of commands.entries()) {
              const described = `  #${i} ${describeCommand(c)}`;
              const outcome = await execute(c).catch((error: Error) => {
                const before = ["the run's commands and the API's answers:", ...trace];
                throw new Error(
                  `run ${runNumber}, ${described.trim()}: ${error.message}\n${before.join("\n")}`,
                );
              });
              trace.push(`${described} → ${outcome.status} ${outcome.created ?? ""}`.trimEnd());
            }
            if (sinks.length === 0) await startSinks();
            // First every topology, then every sink: what a sink reads may be derived.
            await processorsCaughtUp({
              admin: runtime.source.admin,
              topicPrefix: run.topicPrefix,
              topologies: topologyNames,
            });
            for (const sink of sinks) await sink.catchUp(30_000);
            const log = await readLog(endpoints, run.topicPrefix);
            const lines = [
              ...logDifferences(log),
              ...(await postgresDifferences(log)),
              ...(await searchDifferences(log)),
              ...(await deadLetters()),
            ];
            if (lines.length > 0) {
              const shown = lines.slice(0, 60);
              const more = lines.length - shown.length;
              // Where each wrong row's story went wrong: its source events, snapshots and
              // derived records, in offset order.
              const ids = new Set(shown.flatMap((l) => l.match(uuidPattern) ?? []));
              const histories = await keyHistories(
                endpoints,
                entries.map((t) => t.name),
                new Set([...ids].slice(0, 5)),
              );
              throw new Error(
                [
                  `run ${runNumber} (sinks ${sinksFollow ? "following the commands" : "started after them"}): ${lines.length} difference(s) between the views and the model of the topics:`,
                  ...shown.map((l) => `  ${l}`),
                  ...(more > 0 ? [`  … and ${more} more`] : []),
                  "the records of the first of those keys in the run's topics:",
                  ...histories.map((l) => `  ${l}`),
                  "the run's commands and the API's answers:",
                  ...trace,
                ].join("\n"),
              );
            }
          },
        ),
        { numRuns: runs, endOnFailure: true, ...(seed === undefined ? {} : { seed }) },
      );
    },
    // A run now waits for every topology and then every sink to catch up: ~3-6 s alone,
    // over 10 s on 2 cores shared with the rest of the suite.
    Math.max(120_000, runs * 20_000),
  );
});

/** A command on one line, long texts cut. */
function describeCommand(c: Command): string {
  const { kind, ...args } = c;
  const short = (_: string, v: unknown) =>
    typeof v === "string" && v.length > 24 ? `${v.slice(0, 21)}…` : v;
  return `${kind} ${JSON.stringify(args, short)}`;
}
