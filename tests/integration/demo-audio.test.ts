/**
 * The demo catalog's audio (connect/demo/audio.ts) on the real broker and registry: distinct
 * pieces of 20–40 s made by ffmpeg, stored by hash through the upload path, one
 * TrackAudioUploaded each on the tracks' topic; the same catalog gets the same bytes again.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadDemoAudio } from "../../connect/demo/audio.ts";
import { generateDemoCatalog } from "../../connect/demo/index.ts";
import { LocalMediaStore } from "../../platform/media/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import type { TrackAudioUploaded } from "../../schemas/generated/index.ts";
import { brokers, readTopic, testAdmin } from "../support/kafka.ts";

const prefix = `test.demo-audio.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(prefix).filter((e) => e.name === `${prefix}artist.tracks`);

describe("the demo catalog's audio", () => {
  const admin = testAdmin();
  let dir: string;
  const endpoints = () => ({
    kafkaBrokers: brokers(),
    schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vobe-demo-audio-"));
    const report = await applyCatalog({ ...endpoints(), catalog: entries });
    expect(report.refused).toEqual([]);
  });

  afterAll(async () => {
    await admin.deleteTopics(entries.map((t) => t.name));
    await admin.close();
    const registry = registryApi(inject("endpoints").schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await registry.deleteSubject(subject).catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("writes one TrackAudioUploaded per chosen track, naming distinct stored pieces of 20–40 s; again, the same bytes", async () => {
    const catalog = generateDemoCatalog({ size: "tiny", seed: 7 });
    const store = new LocalMediaStore(join(dir, "a"));
    const report = await loadDemoAudio({
      endpoints: endpoints(),
      catalog,
      topicPrefix: prefix,
      count: 4,
      store,
    });
    expect(report.tracks).toBe(4);

    const read = await readTopic(`${prefix}artist.tracks`, 4, { settleMs: 300 });
    const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
    const uploads = await Promise.all(
      read.map(async (r) => (await registry.decode(r.value as Buffer)) as TrackAudioUploaded),
    );
    // Three partitions: the order across them is not the order written.
    expect(uploads.map((u) => u.trackId).sort()).toEqual(
      catalog.tracks
        .slice(0, 4)
        .map((t) => t.trackId)
        .sort(),
    );
    expect(new Set(uploads.map((u) => u.contentHash)).size).toBe(4);
    for (const u of uploads) {
      expect(u).toMatchObject({ codec: "vorbis", mimeType: "audio/ogg" });
      expect(u.durationMs).toBeGreaterThanOrEqual(20_000);
      expect(u.durationMs).toBeLessThanOrEqual(40_000);
      const bytes = await readFile(store.path(u.contentHash));
      expect(bytes.length).toBe(u.sizeBytes);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(u.contentHash);
      const track = catalog.tracks.find((t) => t.trackId === u.trackId);
      expect(u.actor).toEqual({
        userId: catalog.artists.find((a) => a.artistId === track?.artistId)?.ownerUserId,
        role: "artist",
      });
    }

    // Rendered again from scratch (another store, no cache): the same pieces, byte for byte.
    const again = new LocalMediaStore(join(dir, "b"));
    await loadDemoAudio({
      endpoints: endpoints(),
      catalog,
      topicPrefix: prefix,
      count: 4,
      store: again,
    });
    for (const u of uploads) expect(await again.size(u.contentHash)).toBe(u.sizeBytes);
  }, 120_000);
});
