/**
 * The search engine really stopped (`vobe stack down search`, not a URL where nothing
 * listens): /api/search answers 503 search_unavailable with a message that says so, the
 * Postgres routes and the commands keep working, and once the engine is started again
 * the same app (not restarted) searches again, including what was written meanwhile.
 * The engine is a private one (its own home and port): the shared one serves other tests.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../../api/app.ts";
import { formatPosition } from "../../api/read/positions.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { dropAll, type Sink, type ViewDefinition } from "../../sinks/engine/index.ts";
import { artistView } from "../../sinks/postgres/artist/view.ts";
import {
  activate,
  baseOf,
  createSinkRuntime,
  type SinkRuntime,
  sinkFor,
} from "../../sinks/runtime.ts";
import { searchView } from "../../sinks/search/view.ts";
import { type Body, bearer, readJwtSecret } from "../support/api-read-app.ts";
import { freeSearchPort, type PrivateStack, privateStack } from "../support/private-stack.ts";
import { startSearchProcessors } from "../support/search-processors.ts";
import { cleanup, type SinkTestRun, sinkTestRun, viewPool } from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";
import { registeredToken } from "../support/test-accounts.ts";

describe("the search routes when the search engine is stopped and started again", () => {
  let stack: PrivateStack;
  let run: SinkTestRun;
  let endpoints: Endpoints;
  let engine: SearchEngine | undefined;
  let runtime: SinkRuntime | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let views: ViewDefinition[] = [];
  let processors: Awaited<ReturnType<typeof startSearchProcessors>> | undefined;
  const sinks: Sink[] = [];
  const sinkLog: string[] = [];
  const provided = inject("endpoints");
  const entries = () => prefixedCatalog(run.topicPrefix, catalog);

  beforeAll(async () => {
    stack = await privateStack({ search: await freeSearchPort() });
    await stack.up("search");
    // Kafka, the registry and Postgres are the shared ones; only the engine is private.
    endpoints = { ...provided, searchUrl: stack.searchUrl };
    run = sinkTestRun(endpoints, "api-search-stopped");
    await applyCatalog({
      kafkaBrokers: provided.kafkaBrokers,
      schemaRegistryUrl: provided.schemaRegistryUrl,
      catalog: entries(),
    });
    // The search view indexes what the processors write.
    processors = await startSearchProcessors(provided, run.topicPrefix);
    engine = await connectSearch(endpoints);
    views = [artistView, searchView({ engine, indexPrefix: run.indexPrefix })];
    const placement = {
      schemaPrefix: run.schemaPrefix,
      topicPrefix: run.topicPrefix,
      maxWaitMs: 50,
      log: { info: () => {}, warn: (m: string) => sinkLog.push(m) },
    };
    runtime = createSinkRuntime(run.endpoints, `vobe-tests-search-stopped-${run.id}`);
    for (const view of views) {
      const version = await activate(runtime, view, placement);
      const sink = sinkFor(runtime, view, await runtime.pool(view.database), version, placement);
      await sink.start();
      sinks.push(sink);
    }
    app = await buildApp({
      endpoints,
      topicPrefix: run.topicPrefix,
      jwtSecret: readJwtSecret,
      reads: { schemaPrefix: run.schemaPrefix, indexPrefix: run.indexPrefix },
      logger: false,
    });
  }, 180_000);

  afterAll(async () => {
    try {
      await app?.close();
      await processors?.stop();
      for (const sink of sinks) await sink.stop();
      await runtime?.close();
      await engine?.close();
      if (run) {
        // Topics, subjects and the views' schemas are on the shared stack and must go; the
        // indices die with the private engine (which is down if the test failed midway).
        await cleanup(run, [artistView]);
        const search = views.find((v) => v.name === "search");
        if (search) {
          const pool = await viewPool(run, search.database);
          try {
            await dropAll(pool, baseOf(search, run));
          } finally {
            await pool.end();
          }
        }
        const registry = registryApi(provided.schemaRegistryUrl);
        for (const subject of entries().flatMap((t) => t.events.map(subjectOf))) {
          await registry.deleteSubject(subject).catch(() => {});
        }
      }
    } finally {
      await stack?.destroy();
    }
  }, 120_000);

  const get = async (url: string) => {
    const res = await (app as NonNullable<typeof app>).inject({ method: "GET", url });
    return { status: res.statusCode, body: res.json() as Body };
  };
  const command = async (url: string, token: string, payload: object) => {
    const res = await (app as NonNullable<typeof app>).inject({
      method: "POST",
      url,
      headers: bearer(token),
      payload,
    });
    expect(res.statusCode, `${url}: ${res.body}`).toBe(202);
    return formatPosition(res.json());
  };

  it("answers 503 while it is down, Postgres routes and commands still work, then searches again", async () => {
    const user = { userId: randomUUID(), role: "artist", username: "tester" } as const;
    const token = await registeredToken(
      {
        brokers: provided.kafkaBrokers,
        registryUrl: provided.schemaRegistryUrl,
        prefix: run.topicPrefix,
        secret: readJwtSecret,
      },
      user,
    );
    // The ids come back through the Postgres routes, which wait for the artist view.
    const artistAt = await command("/api/artist/artists", token, {
      name: "Björk",
      country: "IS",
      genres: ["pop"],
    });
    const artists = await get(`/api/artist/artists?after=${artistAt}`);
    const artistId = artists.body.items[0].artistId as string;
    const albumAt = await command("/api/artist/albums", token, {
      artistId,
      title: "Homogenic",
      releaseDate: "1997-09-22",
      genre: "electronic",
    });
    const albumId = (await get(`/api/artist/artists/${artistId}?after=${albumAt}`)).body.albums[0]
      .albumId as string;
    const trackAt = await command("/api/artist/tracks", token, {
      albumId,
      title: "Hunter",
      durationMs: 200_000,
      trackNumber: 1,
      genre: "electronic",
    });

    const up = await get(`/api/search?q=hunter&after=${trackAt}`);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.items.map((i: Body) => i.document.title)).toEqual(["Hunter"]);

    await stack.down("search");

    for (const url of ["/api/search?q=hunter", "/api/search/suggest?q=hun"]) {
      const res = await get(url);
      expect(res.status, url).toBe(503);
      expect(res.body.error, url).toMatchObject({
        code: "search_unavailable",
        message: expect.stringMatching(/^search engine unavailable \(\w[\w ]*\): /),
      });
    }
    // Commands do not need the engine; the artist view (Postgres) follows them.
    const duringAt = await command("/api/artist/tracks", token, {
      albumId,
      title: "Bachelorette",
      durationMs: 300_000,
      trackNumber: 2,
      genre: "electronic",
    });
    const album = await get(`/api/artist/albums/${albumId}?after=${duringAt}`);
    expect(album.status).toBe(200);
    expect(album.body.tracks.map((t: Body) => t.title)).toEqual(["Hunter", "Bachelorette"]);
    expect((await get(`/api/artist/artists/${artistId}`)).status).toBe(200);
    // The search sink meanwhile cannot index: it waits and retries.
    await eventually(
      async () => sinkLog.join("\n"),
      (log) => /search v\d+: .*retrying in \d+ ms/.test(log),
      15_000,
    );
    expect(sinkLog.join("\n")).toMatch(/search v\d+: .*retrying in \d+ ms/);

    await stack.up("search");

    // The same app, not rebuilt: its engine client reaches the engine again, and the
    // search sink has indexed what was written while the engine was down.
    const again = await eventually(
      () => get(`/api/search?q=bachelorette&after=${duringAt}`),
      (res) => res.status === 200 && res.body.total === 1,
      30_000,
    );
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body.items[0].document).toMatchObject({
      title: "Bachelorette",
      albumId,
      artistId,
    });
    const suggest = await get("/api/search/suggest?q=hun");
    expect(suggest.status).toBe(200);
    expect(suggest.body.suggestions).toEqual([expect.objectContaining({ text: "Hunter" })]);
  }, 150_000);
});
