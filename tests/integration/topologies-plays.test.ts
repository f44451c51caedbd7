import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import {
  applicationIdOf,
  createProcessorApp,
  type ProcessorApp,
} from "../../processors/apps/index.ts";
import { playsPerTrackStores } from "../../processors/topologies/plays-per-track.ts";
import { createEventProducer, type PendingEvent } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import type { TrackPlayCount, TrackPlayed } from "../../schemas/generated/index.ts";
import { brokers, testAdmin } from "../support/kafka.ts";
import { eventually, readAll } from "../support/streams.ts";

const prefix = `test.topologies.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(
  prefix,
  catalog.filter((t) =>
    ["listening.plays", "listening.track-play-counts", "listening.track-plays-hourly"].includes(
      t.name,
    ),
  ),
);
const played = entries.find((t) => t.name.endsWith("listening.plays"))
  ?.events[0] as EventType<TrackPlayed>;
const countsTopic = `${prefix}listening.track-play-counts`;
const tracks = Array.from({ length: 12 }, () => randomUUID());

describe("the plays-per-track processor on the broker", () => {
  const url = inject("endpoints").schemaRegistryUrl;
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-plays" });
  const events = createEventProducer({ producer, registry: registryApi(url) });
  const registry = createSchemaRegistry(url);
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-topologies-"));
  let processor: ProcessorApp | undefined;

  beforeAll(async () => {
    await applyCatalog({ kafkaBrokers: brokers(), schemaRegistryUrl: url, catalog: entries });
  });
  afterAll(async () => {
    await processor?.app.stop();
    await producer.close();
    const applicationId = applicationIdOf("plays-per-track", prefix);
    const topics = await admin.listTopics();
    await admin.deleteTopics([
      ...entries.map((t) => t.name),
      ...topics.filter((t) => t.startsWith(applicationId)),
    ]);
    await admin.close();
    const api = registryApi(url);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await api.deleteSubject(subject).catch(() => {});
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** Publishes `n` plays through the producer layer; returns the plays per track. */
  async function publishPlays(n: number): Promise<Map<string, number>> {
    const expected = new Map<string, number>();
    const batch: Array<PendingEvent<TrackPlayed>> = [];
    const now = Date.now();
    for (let i = 0; i < n; i++) {
      // Skewed, like real listening: low indexes are played more.
      const trackId = tracks[Math.floor(tracks.length * Math.random() ** 2)] as string;
      expected.set(trackId, (expected.get(trackId) ?? 0) + 1);
      batch.push({
        type: played,
        key: trackId,
        payload: {
          playId: randomUUID(),
          trackId,
          userId: randomUUID(),
          listenedMs: 30_000,
          trackDurationMs: 200_000,
          completed: i % 3 === 0,
          source: "web",
        },
        context: {
          actor: { userId: randomUUID(), role: "listener" },
          occurredAt: new Date(now - (n - i) * 100),
        },
      });
    }
    for (let i = 0; i < batch.length; i += 200) {
      await events.publishAll(batch.slice(i, i + 200) as never);
    }
    return expected;
  }

  /** The latest count per track in the derived topic, decoded through the registry. */
  async function latestCounts(): Promise<Map<string, TrackPlayCount>> {
    const records = await readAll(countsTopic);
    records.sort((a, b) =>
      a.partition !== b.partition ? a.partition - b.partition : a.offset < b.offset ? -1 : 1,
    );
    const latest = new Map<string, TrackPlayCount>();
    for (const r of records) {
      if (!r.value) continue;
      latest.set(r.key?.toString() ?? "", (await registry.decode(r.value)) as TrackPlayCount);
    }
    return latest;
  }

  it("counts every play once: the derived topic and the interactive query agree with an independent count", async () => {
    const expected = await publishPlays(600);
    processor = await createProcessorApp("plays-per-track", {
      brokers: brokers(),
      schemaRegistryUrl: url,
      prefix,
      stateDir,
      instanceId: "it",
    });
    await processor.app.start();
    // More plays while it runs.
    for (const [trackId, n] of await publishPlays(400)) {
      expected.set(trackId, (expected.get(trackId) ?? 0) + n);
    }
    const done = (m: Map<string, TrackPlayCount>) =>
      [...expected].every(([trackId, n]) => m.get(trackId)?.plays === n);
    const counts = await eventually(latestCounts, done);
    expect(new Map([...counts].map(([k, v]) => [k, v.plays]))).toEqual(expected);
    for (const [trackId, value] of counts) {
      expect(value.trackId).toBe(trackId);
      expect(value.actor).toEqual({ userId: null, role: "system" });
      expect(value.occurredAt).toBeInstanceOf(Date);
    }
    const store = processor.app.keyValueStore<string, number>(playsPerTrackStores.counts);
    for (const [trackId, n] of expected) expect(store.get(trackId)).toBe(n);
    expect([...store.all()].length).toBe(expected.size);
  });
});
