import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CatalogState, createCatalogView } from "../../api/artist/state.ts";
import { eventTypes } from "../../api/events/event-types.ts";
import { createTopicView, type TopicView } from "../../api/state/topic-view.ts";
import { createFetcher, createProducer, type KafkaAdmin } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { startProcessors } from "../../processors/apps/index.ts";
import { createEventProducer, eventHeaders } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";

// The view decodes with what its source gives it; JSON keeps this test about catching up.
const Added = { name: "test.Added", topic: "" } as unknown as EventType<{ n: number }>;

describe("a topic view's catch-up under many concurrent commands", () => {
  const topic = uniqueName("topic-view");
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-topic-view" });
  let lookups = 0;
  // The real admin, counting the end-offset lookups the view makes.
  const counting: KafkaAdmin = {
    ...admin,
    endOffsets: (...args) => {
      lookups += 1;
      return admin.endOffsets(...args);
    },
  };
  let view: TopicView<Set<number>>;

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 3 }]);
    view = createTopicView({
      name: "catch-up-test",
      topics: [topic],
      initial: new Set<number>(),
      source: {
        admin: counting,
        fetcher: (clientId) => createFetcher({ brokers: brokers(), clientId }),
        decode: async (value) => JSON.parse(value.toString()),
      },
    }).on(Added, (seen, e) => seen.add(e.n));
    await view.start();
  });
  afterAll(async () => {
    await view.close();
    await producer.close();
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  const write = (n: number) =>
    producer.send([
      {
        topic,
        key: Buffer.from(String(n)),
        value: Buffer.from(JSON.stringify({ n })),
        headers: new Map([[eventHeaders.eventType, Buffer.from(Added.name)]]),
      },
    ]);

  it("sees every record committed before each call", async () => {
    const commands = 300;
    lookups = 0;
    const missed: number[] = [];
    // Each command writes, then catches up and must see its own record (without `past`,
    // so only the end offsets fetched after its write can get it there).
    await Promise.all(
      Array.from({ length: commands }, async (_, n) => {
        await write(n);
        await view.catchUp();
        if (!view.state.has(n)) missed.push(n);
      }),
    );
    expect(missed).toEqual([]);
    expect(view.state.size).toBe(commands);
    // Shared: fewer lookups than calls, however the writes happened to spread out in time.
    expect(lookups).toBeLessThan(commands);
  });

  it("answers calls made together with at most two lookups: the one in flight and the next", async () => {
    lookups = 0;
    await Promise.all(Array.from({ length: 300 }, () => view.catchUp()));
    expect(lookups).toBeGreaterThanOrEqual(1);
    expect(lookups).toBeLessThanOrEqual(2);
  });

  it("answers a lone call with a lookup of its own", async () => {
    lookups = 0;
    await write(1000);
    await view.catchUp();
    expect(view.state.has(1000)).toBe(true);
    expect(lookups).toBe(1);
  });
});

describe("a check's view of state a processor keeps (api/state/derived-view.ts)", () => {
  const prefix = `${uniqueName("derived-view")}.`;
  const entries = prefixedCatalog(prefix, catalog).filter((t) => t.name.includes("artist."));
  const url = inject("endpoints").schemaRegistryUrl;
  const types = eventTypes(prefix);
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-derived-view" });
  const events = createEventProducer({ producer, registry: registryApi(url) });
  const registry = createSchemaRegistry(url);
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-derived-view-"));
  const source = {
    admin,
    fetcher: (clientId: string) => createFetcher({ brokers: brokers(), clientId }),
    decode: (value: Buffer) => registry.decode(value),
  };
  const processors = () =>
    startProcessors({
      brokers: brokers(),
      schemaRegistryUrl: url,
      prefix,
      stateDir,
      only: ["catalog-snapshots"],
      instanceId: "it",
    });
  let running: Awaited<ReturnType<typeof processors>> | undefined;
  let view: TopicView<CatalogState>;
  const actor = { userId: null, role: "system" as const };
  const albumId = randomUUID();
  const artistId = randomUUID();
  const createTrack = (trackId: string) =>
    events.publish(
      types.TrackCreated,
      trackId,
      {
        trackId,
        albumId,
        artistId,
        title: "t",
        durationMs: 1_000,
        trackNumber: 1,
        genre: "jazz",
        explicit: false,
      },
      { actor },
    );

  beforeAll(async () => {
    await applyCatalog({ kafkaBrokers: brokers(), schemaRegistryUrl: url, catalog: entries });
    running = await processors();
    view = createCatalogView(source, types);
    await view.start();
  });
  afterAll(async () => {
    await view?.close();
    await running?.stop();
    await producer.close();
    await admin.deleteTopics((await admin.listTopics()).filter((t) => t.startsWith(prefix)));
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("sees every write committed before the check, through the processor", async () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const missed: string[] = [];
    await Promise.all(
      ids.map(async (id) => {
        await createTrack(id);
        await view.catchUp();
        if (!view.state.tracks.has(id)) missed.push(id);
      }),
    );
    expect(missed).toEqual([]);
    const [first] = ids as [string];
    await events.publish(
      types.TrackDeleted,
      first,
      { trackId: first, albumId, artistId },
      { actor },
    );
    await view.catchUp();
    expect(view.state.tracks.has(first)).toBe(false);
  });

  it("answers 503 while the processor is away, never from the state it had, and goes on once it is back", async () => {
    await running?.stop();
    running = undefined;
    const id = randomUUID();
    await createTrack(id);
    const started = Date.now();
    await expect(view.catchUp({ timeoutMs: 1_500 })).rejects.toMatchObject({
      statusCode: 503,
      code: "processors_behind",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(view.state.tracks.has(id)).toBe(false);
    running = await processors();
    await view.catchUp({ timeoutMs: 30_000 });
    expect(view.state.tracks.has(id)).toBe(true);
  });
});
