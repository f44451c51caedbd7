import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import * as artist from "../../schemas/generated/artist.ts";
import * as content from "../../schemas/generated/content.ts";
import type { Sink } from "../../sinks/engine/index.ts";
import {
  activate,
  buildVersion,
  createSinkRuntime,
  type SinkRuntime,
  sinkFor,
} from "../../sinks/runtime.ts";
import { nameQuery, suggestQuery, trackQuery } from "../../sinks/search/queries.ts";
import { aliasName, indexName, searchView } from "../../sinks/search/view.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  sinkTestRun,
  testEvents,
} from "../support/sinks-fixtures.ts";

const run = sinkTestRun(inject("endpoints"), "search");
const placement = { schemaPrefix: run.schemaPrefix, topicPrefix: run.topicPrefix, maxWaitMs: 100 };
const a1 = randomUUID();
const al1 = randomUUID();
const t1 = randomUUID();
const t2 = randomUUID();
const p1 = randomUUID();

describe("the search sink, against the real engine", () => {
  const { producer, events } = testEvents(run);
  let engine: SearchEngine;
  let runtime: SinkRuntime;
  let sink: Sink;
  let view: ReturnType<typeof searchView>;
  const alias = (name: "tracks" | "artists" | "albums" | "posts") =>
    aliasName(name, run.indexPrefix);
  const P = <T>(t: import("../../schemas/event-type.ts").EventType<T>) => prefixed(run, t);
  const track = (trackId: string, title: string, n: number) =>
    events.publish(
      P(artist.TrackCreated),
      trackId,
      {
        trackId,
        albumId: al1,
        artistId: a1,
        title,
        durationMs: 200_000,
        trackNumber: n,
        genre: "electronic",
        explicit: false,
      },
      context,
    );

  beforeAll(async () => {
    engine = await connectSearch(run.endpoints);
    view = searchView({ engine, indexPrefix: run.indexPrefix, refresh: true });
    await applyTopics(run, [view]);
    runtime = createSinkRuntime(run.endpoints, "vobe-tests-search");
    const version = await activate(runtime, view, placement);
    sink = sinkFor(runtime, view, await runtime.pool("search"), version, placement);
    await sink.start();
  });
  afterAll(async () => {
    await sink?.stop();
    await runtime?.close();
    await producer.close();
    await cleanup(run, [view]);
    await engine.close();
  });

  it("indexes tracks with their album and artist, folds accents, and suggests", async () => {
    await events.publish(
      P(artist.ArtistCreated),
      a1,
      {
        artistId: a1,
        ownerUserId: randomUUID(),
        name: "Björk",
        country: "IS",
        genres: ["pop"],
        bio: null,
      },
      context,
    );
    await events.publish(
      P(artist.AlbumCreated),
      al1,
      {
        albumId: al1,
        artistId: a1,
        title: "Homogenic",
        releaseDate: "1997-09-22",
        genre: "electronic",
        coverUrl: null,
      },
      context,
    );
    await track(t1, "Jóga", 1);
    await track(t2, "Hunter", 2);
    await events.publish(
      P(content.PostPublished),
      p1,
      {
        postId: p1,
        authorId: randomUUID(),
        artistId: a1,
        title: "Мумий Тролль на гастролях",
        body: "tour",
      },
      context,
    );
    await sink.catchUp();

    const byArtist = await engine.search<{ title: string; album_title: string }>(
      alias("tracks"),
      trackQuery("bjork"),
    );
    expect(byArtist.hits.map((h) => h.id).sort()).toEqual([t1, t2].sort());
    expect(byArtist.hits.find((h) => h.id === t1)?.source).toMatchObject({
      title: "Jóga",
      album_title: "Homogenic",
      artist_name: "Björk",
    });
    const prefix = await engine.search(alias("tracks"), trackQuery("jog"));
    expect(prefix.hits.map((h) => h.id)).toEqual([t1]);
    const artists = await engine.search(alias("artists"), nameQuery("name", "björk"));
    expect(artists.hits.map((h) => h.id)).toEqual([a1]);
    const albums = await engine.search(alias("albums"), nameQuery("title", "homo"));
    expect(albums.hits.map((h) => h.id)).toEqual([al1]);
    const posts = await engine.search(alias("posts"), nameQuery("title", "мумий"));
    expect(posts.hits.map((h) => h.id)).toEqual([p1]);
    const suggested = await engine.search(alias("tracks"), suggestQuery("hun"));
    expect(JSON.stringify(suggested.suggest)).toContain("Hunter");
  });

  it("re-indexes a track when its album is renamed, and removes deleted documents", async () => {
    await events.publish(
      P(artist.AlbumUpdated),
      al1,
      {
        albumId: al1,
        artistId: a1,
        title: "Homogenic (Remastered)",
        releaseDate: "1997-09-22",
        genre: "electronic",
        coverUrl: null,
      },
      context,
    );
    await events.publish(
      P(artist.TrackDeleted),
      t2,
      { trackId: t2, albumId: al1, artistId: a1 },
      context,
    );
    await events.publish(
      P(content.PostDeleted),
      p1,
      { postId: p1, authorId: randomUUID() },
      context,
    );
    await sink.catchUp();

    const found = await engine.search<{ album_title: string }>(
      alias("tracks"),
      trackQuery("remastered"),
    );
    expect(found.hits.map((h) => h.id)).toEqual([t1]);
    expect((await engine.search(alias("tracks"), trackQuery("hunter"))).total).toBe(0);
    expect((await engine.search(alias("posts"), nameQuery("title", "мумий"))).total).toBe(0);
  });

  it("never lets an older version overwrite a newer document", async () => {
    const index = indexName("artists", 1, run.indexPrefix);
    const updated = await events.publish(
      P(artist.ArtistUpdated),
      a1,
      {
        artistId: a1,
        name: "Björk Guðmundsdóttir",
        country: "IS",
        genres: ["pop"],
        bio: null,
      },
      context,
    );
    await sink.catchUp();
    const before = await engine.search<{ name: string }>(index, {
      query: { ids: { values: [a1] } },
    });
    const result = await engine.bulk(
      [
        {
          action: "index",
          index,
          id: a1,
          // What a replay of the ArtistCreated record (an earlier offset) would send.
          version: Number(updated.offset) - 1,
          document: {
            artist_id: a1,
            name: "Stale name",
            country: null,
            genres: [],
            bio: null,
            suggest: { input: ["Stale"] },
          },
        },
      ],
      { refresh: true },
    );
    expect(result.failures).toEqual([]); // a 409 is the protection working, not a failure
    const after = await engine.search<{ name: string }>(index, {
      query: { ids: { values: [a1] } },
    });
    expect(after.hits[0]?.source.name).toBe("Björk Guðmundsdóttir");
    expect(after.hits[0]?.source).toEqual(before.hits[0]?.source);
  });

  it("builds indices v2 from offset 0 and moves the aliases to them", async () => {
    const all = { query: { match_all: {} }, size: 100, sort: [{ _id: "asc" }] } as const;
    const before = await engine.search(alias("tracks"), all);
    await buildVersion(runtime, view, { ...placement, version: 2, swap: true });
    const after = await engine.search(alias("tracks"), all);
    expect(after.hits.map((h) => [h.id, h.source])).toEqual(
      before.hits.map((h) => [h.id, h.source]),
    );
    const inV2 = await engine.search(indexName("tracks", 2, run.indexPrefix), all);
    expect(inV2.total).toBe(before.total);
  });
});
