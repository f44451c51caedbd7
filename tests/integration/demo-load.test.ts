import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  DemoNotEmptyError,
  demoListening,
  demoPasswordHash,
  demoTopicCounts,
  generateDemoCatalog,
  isPlatformEmpty,
  type LoadReport,
  loadDemoCatalog,
  sendRecentPlays,
  simulatePlays,
} from "../../connect/demo/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import type { ArtistCreated, TrackPlayed } from "../../schemas/generated/index.ts";
import { brokers, readTopic, testAdmin } from "../support/kafka.ts";

// A prefixed copy of the whole catalog: the real topics are never touched.
const prefix = `test.demo.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(prefix);
const seed = 31;

describe("the demo loader and the listener simulator, on the real broker and registry", () => {
  const admin = testAdmin();
  const endpoints = () => ({
    kafkaBrokers: brokers(),
    schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
    databaseUrl: inject("endpoints").databaseUrl,
  });
  const records = async (topic: string) =>
    (await admin.endOffsets(`${prefix}${topic}`)).reduce((sum, n) => sum + Number(n), 0);

  beforeAll(async () => {
    const report = await applyCatalog({
      kafkaBrokers: brokers(),
      schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
      catalog: entries,
    });
    expect(report.refused).toEqual([]);
  });

  afterAll(async () => {
    await admin.deleteTopics(entries.map((t) => t.name));
    await admin.close();
    const registry = registryApi(inject("endpoints").schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await registry.deleteSubject(subject).catch(() => {});
    }
  });

  let loaded: LoadReport;

  it("loads the tiny catalog: every topic holds exactly the generator's events", async () => {
    expect(await isPlatformEmpty({ endpoints: endpoints(), topicPrefix: prefix })).toBe(true);
    const progress: string[] = [];
    loaded = await loadDemoCatalog({
      endpoints: endpoints(),
      size: "tiny",
      seed,
      topicPrefix: prefix,
      onProgress: (p) => {
        if (p.phaseDone) progress.push(p.phase);
      },
    });
    const expected = demoTopicCounts(generateDemoCatalog({ size: "tiny", seed }));
    expect(loaded.counts).toEqual(expected);
    expect(progress).toEqual(loaded.catalog.phases.map((p) => p.name));
    for (const entry of entries) {
      const topic = entry.name.slice(prefix.length);
      expect(await records(topic), topic).toBe(expected[topic] ?? 0);
    }
    expect(loaded.events).toBe(Object.values(expected).reduce((s, n) => s + n, 0));
  });

  it("writes the generator's values, actors and event times", async () => {
    const artists = loaded.catalog.artists;
    const read = await readTopic(`${prefix}artist.artists`, artists.length, { settleMs: 300 });
    expect(read).toHaveLength(artists.length);
    const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
    const byId = new Map(artists.map((a) => [a.artistId, a]));
    for (const record of read) {
      const value = (await registry.decode(record.value as Buffer)) as ArtistCreated;
      const { createdAt, ...artist } = byId.get(value.artistId) ?? ({} as never);
      expect(record.key?.toString()).toBe(value.artistId);
      expect(value).toMatchObject(artist);
      expect(value.occurredAt).toEqual(createdAt);
      expect(value.actor).toEqual({ userId: artist.ownerUserId, role: "artist" });
    }
  });

  it("writes accounts sealed: no e-mail, display name or password hash in clear", async () => {
    const users = loaded.catalog.users;
    for (const topic of ["auth.users", "auth.credentials"]) {
      const read = await readTopic(`${prefix}${topic}`, users.length, { settleMs: 300 });
      expect(read).toHaveLength(users.length);
      const bytes = Buffer.concat(read.map((r) => r.value as Buffer));
      expect(bytes.includes("pii:v1:"), topic).toBe(true);
      for (const u of users) {
        expect(bytes.includes(u.email), `${topic}: ${u.email}`).toBe(false);
        expect(bytes.includes(u.displayName), `${topic}: ${u.displayName}`).toBe(false);
      }
      expect(bytes.includes(demoPasswordHash), topic).toBe(false);
    }
  });

  it("refuses a second load into a platform that has data, and writes nothing", async () => {
    expect(await isPlatformEmpty({ endpoints: endpoints(), topicPrefix: prefix })).toBe(false);
    const before = await records("auth.users");
    await expect(
      loadDemoCatalog({ endpoints: endpoints(), size: "tiny", seed, topicPrefix: prefix }),
    ).rejects.toBeInstanceOf(DemoNotEmptyError);
    expect(await records("auth.users")).toBe(before);
  });

  it("simulates 2 s of plays at 200/s: about 400 decodable plays of the catalog's tracks", async () => {
    const { tracks, userIds } = demoListening(loaded.catalog);
    const report = await simulatePlays({
      endpoints: endpoints(),
      ratePerSecond: 200,
      durationSeconds: 2,
      seed,
      topicPrefix: prefix,
      tracks,
      userIds,
    });
    expect(report.stoppedBy).toBe("duration");
    expect(report.sent).toBeGreaterThanOrEqual(360);
    expect(report.sent).toBeLessThanOrEqual(440);
    expect(report.eventsPerSecond).toBeGreaterThan(150);
    expect(report.eventsPerSecond).toBeLessThan(250);
    expect(await records("listening.plays")).toBe(report.sent);

    const read = await readTopic(`${prefix}listening.plays`, report.sent, { settleMs: 300 });
    expect(read).toHaveLength(report.sent);
    const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
    const durations = new Map(tracks.map((t) => [t.trackId, t.durationMs]));
    const listeners = new Set(userIds);
    for (const record of read) {
      const play = (await registry.decode(record.value as Buffer)) as TrackPlayed;
      expect(play.source).toBe("simulator");
      expect(record.key?.toString()).toBe(play.trackId);
      expect(durations.get(play.trackId)).toBe(play.trackDurationMs);
      expect(listeners.has(play.userId)).toBe(true);
      expect(play.actor).toEqual({ userId: null, role: "system" });
    }
  });

  it("back-dates the last hour's plays: evenly up to now, in event-time order", async () => {
    const { tracks, userIds } = demoListening(generateDemoCatalog({ size: "tiny", seed }));
    const before = await records("listening.plays");
    const now = new Date("2026-12-01T12:00:00.000Z");
    const report = await sendRecentPlays({
      endpoints: endpoints(),
      seed,
      topicPrefix: prefix,
      tracks,
      userIds,
      count: 120,
      minutes: 60,
      now,
    });
    expect(report.sent).toBe(120);
    const all = await readTopic(`${prefix}listening.plays`, before + 120, { settleMs: 300 });
    expect(all).toHaveLength(before + 120);
    // The simulator's plays of the test before are at the wall clock's time, a day later.
    const recent = all.filter((r) => Number(r.timestamp) <= now.getTime());
    expect(recent).toHaveLength(120);
    // Every 30 s of the hour, the last at `now`; each partition in event-time order.
    const times = recent.map((r) => Number(r.timestamp)).sort((a, b) => a - b);
    expect(times).toEqual(
      Array.from({ length: 120 }, (_, i) => now.getTime() - 60 * 60_000 + (i + 1) * 30_000),
    );
    for (const partition of new Set(recent.map((r) => r.partition))) {
      const own = recent.filter((r) => r.partition === partition).map((r) => Number(r.timestamp));
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
    const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
    for (const record of recent) {
      const play = (await registry.decode(record.value as Buffer)) as TrackPlayed;
      expect(play.source).toBe("simulator");
      expect(play.occurredAt.getTime()).toBe(Number(record.timestamp));
    }
  });
});
