/**
 * The search sink fed by the real processors (in-process, under the run's topic prefix):
 * what it indexes equals what the topologies wrote, mapped, and nothing else; an artist's
 * rename reaches its tracks', albums' and posts' documents through the processors' joins;
 * deletions (tombstones, ArtistDeleted) remove documents; a replay and a rebuild change
 * nothing; an older record never overwrites a newer document.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { nameQuery, suggestQuery, trackQuery } from "../../api/search/queries.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import type { Envelope } from "../../producers/envelope.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import * as artist from "../../schemas/generated/artist.ts";
import * as comment from "../../schemas/generated/comment.ts";
import * as content from "../../schemas/generated/content.ts";
import type { AlbumDocument, TrackDocument } from "../../schemas/generated/search.ts";
import {
  dropAll,
  ensureVersion,
  liveVersion,
  quote,
  type Sink,
  swapTo,
} from "../../sinks/engine/index.ts";
import {
  activate,
  baseOf,
  buildVersion,
  createSinkRuntime,
  type SinkRuntime,
  sinkFor,
} from "../../sinks/runtime.ts";
import {
  aliasName,
  indexName,
  type SearchIndex,
  searchIndices,
} from "../../sinks/search/contract.ts";
import {
  albumSearchDocument,
  artistSearchDocument,
  postSearchDocument,
  searchMinVersion,
  searchView,
  trackSearchDocument,
} from "../../sinks/search/view.ts";
import { searchProcessorTopics, startSearchProcessors } from "../support/search-processors.ts";
import { cleanup, context, prefixed, sinkTestRun, testEvents } from "../support/sinks-fixtures.ts";
import { eventually, readAll } from "../support/streams.ts";

const run = sinkTestRun(inject("endpoints"), "search");
const placement = { schemaPrefix: run.schemaPrefix, topicPrefix: run.topicPrefix, maxWaitMs: 100 };
const entries = prefixedCatalog(
  run.topicPrefix,
  catalog.filter((t) => (searchProcessorTopics as readonly string[]).includes(t.name)),
);
const [a1, a2, al1, al2, t1, t2, t3, p1, p2] = Array.from({ length: 9 }, () =>
  randomUUID(),
) as string[] as [string, string, string, string, string, string, string, string, string];
const owner = randomUUID();
type Doc = Record<string, unknown>;

describe("the search sink, fed by the processors, against the real engine", () => {
  const { producer, events } = testEvents(run);
  const registry = createSchemaRegistry(run.endpoints.schemaRegistryUrl);
  let engine: SearchEngine;
  let runtime: SinkRuntime;
  let processors: Awaited<ReturnType<typeof startSearchProcessors>> | undefined;
  let sink: Sink;
  let view: ReturnType<typeof searchView>;
  const alias = (name: SearchIndex) => aliasName(name, run.indexPrefix);
  const P = <T>(t: EventType<T>) => prefixed(run, t);
  const publish = <T extends Envelope>(
    type: EventType<T>,
    key: string,
    payload: Omit<T, keyof Envelope>,
  ) => events.publish(P(type), key, payload, context);

  const artistFields = (artistId: string, name: string) => ({
    artistId,
    name,
    country: "IS",
    genres: ["pop", "electronic"],
    bio: null,
  });
  const albumFields = (albumId: string, artistId: string, title: string) => ({
    albumId,
    artistId,
    title,
    releaseDate: "1997-09-22",
    genre: "electronic",
    coverUrl: null,
  });
  const track = (trackId: string, albumId: string, artistId: string, title: string, n: number) =>
    publish(artist.TrackCreated, trackId, {
      trackId,
      albumId,
      artistId,
      title,
      durationMs: 200_000,
      trackNumber: n,
      genre: "trip-hop",
      explicit: false,
    });

  /** Every document of an index (through its alias), by id. */
  const indexed = async (index: SearchIndex): Promise<Map<string, Doc>> => {
    await engine.refresh(alias(index));
    const found = await engine.search<Doc>(alias(index), {
      query: { match_all: {} },
      size: 1_000,
    });
    return new Map(found.hits.map((h) => [h.id, h.source]));
  };
  /** The latest value per key of a derived topic (tombstones delete), mapped to documents. */
  const written = async <T>(topic: string, map: (value: T) => Doc): Promise<Map<string, Doc>> => {
    const records = await readAll(`${run.topicPrefix}${topic}`);
    records.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
    const latest = new Map<string, Doc>();
    for (const r of records) {
      const key = r.key?.toString() ?? "";
      if (r.value === null) latest.delete(key);
      else latest.set(key, map((await registry.decode(r.value)) as T));
    }
    return latest;
  };
  const writtenTracks = () =>
    written<TrackDocument>("search.track-documents", (d) => ({ ...trackSearchDocument(d) }));
  const writtenAlbums = () =>
    written<AlbumDocument>("search.album-documents", (d) => ({ ...albumSearchDocument(d) }));
  const writtenArtists = () =>
    written<artist.ArtistSnapshot>("artist.artist-snapshots", (d) => ({
      ...artistSearchDocument(d),
    }));
  const writtenPosts = () =>
    written<content.PostDetail>("content.post-details", (d) => ({ ...postSearchDocument(d) }));

  /**
   * Waits until the processors have written what `ready` expects, then until the sink has
   * consumed their topics to the end: the indices then hold exactly what they wrote.
   */
  const settle = async (ready: () => Promise<boolean>) => {
    await eventually(ready, (ok) => ok, 60_000);
    expect(await ready(), "the processors wrote what the commands imply").toBe(true);
    await sink.catchUp(30_000);
    for (const [index, expected] of [
      ["tracks", await writtenTracks()],
      ["albums", await writtenAlbums()],
      ["artists", await writtenArtists()],
      ["posts", await writtenPosts()],
    ] as const) {
      expect(await indexed(index), `${index}: the index equals the derived topic`).toEqual(
        expected,
      );
    }
  };

  beforeAll(async () => {
    await applyCatalog({
      kafkaBrokers: run.endpoints.kafkaBrokers,
      schemaRegistryUrl: run.endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    engine = await connectSearch(run.endpoints);
    view = searchView({ engine, indexPrefix: run.indexPrefix, refresh: true });
    runtime = createSinkRuntime(run.endpoints, "vobe-tests-search");
    const version = await activate(runtime, view, placement);
    sink = sinkFor(runtime, view, await runtime.pool("search"), version, placement);
    await sink.start();
    processors = await startSearchProcessors(run.endpoints, run.topicPrefix);
  }, 120_000);
  afterAll(async () => {
    await processors?.stop();
    await sink?.stop();
    await runtime?.close();
    await producer.close();
    await cleanup(run, [view]);
    const api = registryApi(run.endpoints.schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await api.deleteSubject(subject).catch(() => {});
    }
    await engine.close();
  }, 120_000);

  it("starts the view at the definition's first version: no staging tables, only positions", async () => {
    expect(sink.version).toBe(searchMinVersion);
    const pool = await runtime.pool("search");
    const { rows } = await pool.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = $1 order by 1",
      [sink.schema],
    );
    expect(rows.map((r) => r.name)).toEqual(["sink_migrations", "sink_offsets"]);
  });

  it("indexes what the topologies wrote, joined by them, folds accents, and suggests", async () => {
    await publish(artist.ArtistCreated, a1, { ...artistFields(a1, "Björk"), ownerUserId: owner });
    await publish(artist.AlbumCreated, al1, albumFields(al1, a1, "Homogenic"));
    await track(t1, al1, a1, "Jóga", 1);
    await track(t2, al1, a1, "Hunter", 2);
    // A track whose artist does not exist (yet): the inner join writes nothing for it.
    await track(t3, al1, a2, "Orphan", 3);
    await publish(content.PostPublished, p1, {
      postId: p1,
      authorId: owner,
      artistId: a1,
      title: "Мумий Тролль на гастролях",
      body: "tour",
    });
    await publish(content.PostPublished, p2, {
      postId: p2,
      authorId: owner,
      artistId: null,
      title: "A personal note",
      body: "hello",
    });
    for (const commentId of [randomUUID(), randomUUID()]) {
      await publish(comment.CommentAdded, commentId, {
        commentId,
        postId: p1,
        authorId: owner,
        parentCommentId: null,
        body: "great",
      });
    }
    await settle(async () => {
      const [tracks, albums, posts] = [
        await writtenTracks(),
        await writtenAlbums(),
        await writtenPosts(),
      ];
      return (
        (await writtenArtists()).has(a1) &&
        tracks.size === 2 &&
        albums.size === 1 &&
        posts.get(p1)?.comments === 2 &&
        posts.has(p2)
      );
    });

    const tracks = await indexed("tracks");
    expect(tracks.get(t1)).toEqual({
      track_id: t1,
      title: "Jóga",
      track_number: 1,
      duration_ms: 200_000,
      explicit: false,
      genre: "trip-hop",
      genres: ["trip-hop", "electronic", "pop"],
      album_id: al1,
      album_title: "Homogenic",
      release_date: "1997-09-22",
      artist_id: a1,
      artist_name: "Björk",
      artist_country: "IS",
      suggest: { input: ["Jóga"] },
    });
    expect(tracks.has(t3)).toBe(false);
    expect((await indexed("albums")).get(al1)).toMatchObject({
      title: "Homogenic",
      artist_name: "Björk",
    });
    expect((await indexed("artists")).get(a1)).toEqual({
      artist_id: a1,
      name: "Björk",
      country: "IS",
      genres: ["pop", "electronic"],
      bio: null,
      suggest: { input: ["Björk"] },
    });
    const posts = await indexed("posts");
    expect(posts.get(p1)).toMatchObject({ artist_id: a1, artist_name: "Björk", comments: 2 });
    expect(posts.get(p2)).toMatchObject({ artist_id: null, artist_name: null, comments: 0 });

    const byArtist = await engine.search(alias("tracks"), trackQuery("bjork"));
    expect(byArtist.hits.map((h) => h.id).sort()).toEqual([t1, t2].sort());
    expect((await engine.search(alias("tracks"), trackQuery("jog"))).hits.map((h) => h.id)).toEqual(
      [t1],
    );
    expect(
      (await engine.search(alias("albums"), nameQuery("title", "homo"))).hits.map((h) => h.id),
    ).toEqual([al1]);
    expect(
      (await engine.search(alias("posts"), nameQuery("title", "мумий"))).hits.map((h) => h.id),
    ).toEqual([p1]);
    const suggested = await engine.search(alias("tracks"), suggestQuery("hun"));
    expect(JSON.stringify(suggested.suggest)).toContain("Hunter");
  }, 120_000);

  it("carries an artist's rename to its tracks', albums' and posts' documents", async () => {
    await publish(artist.ArtistUpdated, a1, artistFields(a1, "Björk Guðmundsdóttir"));
    // The orphan's artist arrives: its document appears.
    await publish(artist.ArtistCreated, a2, {
      ...artistFields(a2, "Sigur Rós"),
      ownerUserId: owner,
    });
    await settle(async () => {
      const tracks = await writtenTracks();
      const renamed = [t1, t2].every((t) => tracks.get(t)?.artist_name === "Björk Guðmundsdóttir");
      return (
        renamed &&
        tracks.get(t3)?.artist_name === "Sigur Rós" &&
        (await writtenArtists()).get(a1)?.name === "Björk Guðmundsdóttir" &&
        (await writtenAlbums()).get(al1)?.artist_name === "Björk Guðmundsdóttir" &&
        (await writtenPosts()).get(p1)?.artist_name === "Björk Guðmundsdóttir"
      );
    });
    const found = await engine.search(alias("tracks"), trackQuery("guðmundsdóttir"));
    expect(found.hits.map((h) => h.id).sort()).toEqual([t1, t2].sort());
    expect((await indexed("artists")).get(a1)?.name).toBe("Björk Guðmundsdóttir");
  }, 120_000);

  it("removes deleted documents: a track, an album with its tracks, an artist, a post", async () => {
    await publish(artist.AlbumCreated, al2, albumFields(al2, a2, "Ágætis byrjun"));
    await publish(artist.TrackDeleted, t2, { trackId: t2, albumId: al1, artistId: a1 });
    await publish(content.PostDeleted, p2, { postId: p2, authorId: owner });
    await settle(async () => {
      const [tracks, albums, posts] = [
        await writtenTracks(),
        await writtenAlbums(),
        await writtenPosts(),
      ];
      return !tracks.has(t2) && albums.has(al2) && !posts.has(p2);
    });
    expect([...(await indexed("tracks")).keys()].sort()).toEqual([t1, t3].sort());
    expect((await engine.search(alias("tracks"), trackQuery("hunter"))).total).toBe(0);

    await publish(artist.AlbumDeleted, al1, { albumId: al1, artistId: a1 });
    await publish(artist.ArtistDeleted, a2, { artistId: a2 });
    await settle(async () => {
      const [tracks, albums] = [await writtenTracks(), await writtenAlbums()];
      return tracks.size === 0 && albums.size === 0 && !(await writtenArtists()).has(a2);
    });
    expect((await indexed("tracks")).size).toBe(0);
    expect((await indexed("albums")).size).toBe(0);
    expect([...(await indexed("artists")).keys()]).toEqual([a1]);
    expect([...(await indexed("posts")).keys()]).toEqual([p1]);
  }, 120_000);

  it("changes nothing when it replays every topic from offset 0", async () => {
    const before = await Promise.all(
      (["tracks", "albums", "artists", "posts"] as const).map(indexed),
    );
    await sink.stop();
    const pool = await runtime.pool("search");
    await pool.query(`delete from ${quote(sink.schema)}.sink_offsets`);
    sink = sinkFor(runtime, view, pool, sink.version, placement);
    await sink.start();
    await sink.catchUp(30_000);
    expect(sink.stats().applied).toBeGreaterThan(0);
    const after = await Promise.all(
      (["tracks", "albums", "artists", "posts"] as const).map(indexed),
    );
    expect(after).toEqual(before);
  }, 60_000);

  it("never lets an older record overwrite a newer document", async () => {
    const [created] = (await readAll(`${run.topicPrefix}artist.artist-snapshots`)).filter(
      (r) => r.key?.toString() === a1,
    );
    if (!created?.value) throw new Error("the artist's first snapshot is missing");
    // The view gets the artist's first snapshot again, as a replay or a zombie would apply it.
    const batch = view.batch({ schema: sink.schema, version: sink.version, columns: new Map() });
    batch.add({
      record: created,
      type: artist.ArtistSnapshot.name,
      key: a1,
      event: await registry.decode(created.value),
    });
    const client = await (await runtime.pool("search")).connect();
    try {
      await batch.flush(client); // the engine's 409 is the protection working, not a failure
    } finally {
      client.release();
    }
    expect((await indexed("artists")).get(a1)?.name).toBe("Björk Guðmundsdóttir");
  });

  it("builds the next version from offset 0 and moves the aliases to it", async () => {
    const before = await Promise.all(
      (["tracks", "albums", "artists", "posts"] as const).map(indexed),
    );
    const next = sink.version + 1;
    await buildVersion(runtime, view, { ...placement, version: next, swap: true });
    const after = await Promise.all(
      (["tracks", "albums", "artists", "posts"] as const).map(indexed),
    );
    expect(after).toEqual(before);
    await engine.refresh(indexName("artists", next, run.indexPrefix));
    const inNext = await engine.search(indexName("artists", next, run.indexPrefix), {
      query: { match_all: {} },
    });
    expect(inNext.total).toBe(before[2]?.size);
  }, 60_000);

  it("replaces a live version of the earlier definition: builds its first version beside it, then swaps", async () => {
    const old = { ...placement, schemaPrefix: `${run.schemaPrefix}old_` };
    const oldPrefix = `${run.indexPrefix}old-`;
    const other = searchView({ engine, indexPrefix: oldPrefix, refresh: true });
    const pool = await runtime.pool("search");
    const base = baseOf(other, old);
    const lines: string[] = [];
    try {
      // Version 1 is live, as the staging-table definition left it.
      await ensureVersion(pool, { base, version: 1, migrationsDir: other.migrationsDir });
      await swapTo(pool, { base, version: 1 });
      const version = await activate(runtime, other, {
        ...old,
        log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
      });
      expect(version).toBe(searchMinVersion);
      expect(await liveVersion(pool, base)).toBe(searchMinVersion);
      expect(lines.join("\n")).toContain("built by an earlier definition");
      await engine.refresh(aliasName("tracks", oldPrefix));
      const tracks = await engine.search<Doc>(aliasName("tracks", oldPrefix), {
        query: { match_all: {} },
      });
      expect(new Map(tracks.hits.map((h) => [h.id, h.source]))).toEqual(await indexed("tracks"));
    } finally {
      await dropAll(pool, base);
      for (const name of searchIndices) {
        await engine.deleteIndex(indexName(name, searchMinVersion, oldPrefix));
      }
    }
  }, 60_000);
});
