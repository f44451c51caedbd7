import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer, type PendingEvent } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import type { TrackPlayCount, TrackPlayed } from "../../schemas/generated/index.ts";
import { testAdmin } from "./kafka.ts";
import { readAll } from "./streams.ts";

/**
 * The processors' process tests' world: the listening topics under a prefix of their own,
 * plays published through the producer layer (each remembered), the counts the
 * plays-per-track app wrote, and a cleanup of everything (app topics and state too).
 */
export function playsWorld(endpoints: Endpoints, name: string) {
  const prefix = `test.${name}.${randomUUID().slice(0, 8)}.`;
  const entries = prefixedCatalog(
    prefix,
    catalog.filter((t) =>
      [
        "listening.plays",
        "listening.track-play-counts",
        "listening.track-plays-hourly",
        "listening.trending",
      ].includes(t.name),
    ),
  );
  const played = entries.find((t) => t.name.endsWith("listening.plays"))
    ?.events[0] as EventType<TrackPlayed>;
  const url = endpoints.schemaRegistryUrl;
  const producer = createProducer({
    brokers: endpoints.kafkaBrokers,
    clientId: `vobe-tests-${name}`,
  });
  const events = createEventProducer({ producer, registry: registryApi(url) });
  const registry = createSchemaRegistry(url);
  const tracks = Array.from({ length: 12 }, () => randomUUID());
  const expected = new Map<string, number>();
  const stateDir = mkdtempSync(join(tmpdir(), `vobe-${name}-`));

  return {
    prefix,
    stateDir,
    producer,
    expected,
    apply: () =>
      applyCatalog({
        kafkaBrokers: endpoints.kafkaBrokers,
        schemaRegistryUrl: url,
        catalog: entries,
      }),

    /** `n` plays over skewed tracks, in batches; the expected counts grow with them. */
    async publishPlays(n: number): Promise<void> {
      const now = Date.now();
      const batch: Array<PendingEvent<TrackPlayed>> = [];
      for (let i = 0; i < n; i++) {
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
            completed: true,
            source: "web",
          },
          context: {
            actor: { userId: randomUUID(), role: "listener" },
            occurredAt: new Date(now - (n - i) * 10),
          },
        });
      }
      for (let i = 0; i < batch.length; i += 250) {
        await events.publishAll(batch.slice(i, i + 250) as never);
      }
    },

    /** The latest count per track in the derived topic. */
    async latestCounts(): Promise<Map<string, number>> {
      const records = await readAll(`${prefix}listening.track-play-counts`);
      records.sort((a, b) =>
        a.partition !== b.partition ? a.partition - b.partition : a.offset < b.offset ? -1 : 1,
      );
      const latest = new Map<string, number>();
      for (const r of records) {
        if (!r.value) continue;
        const value = (await registry.decode(r.value)) as TrackPlayCount;
        latest.set(r.key?.toString() ?? "", value.plays);
      }
      return latest;
    },

    caughtUp: (counts: Map<string, number>) =>
      [...expected].every(([track, n]) => counts.get(track) === n),

    async cleanup(extraTopics: string[] = []): Promise<void> {
      await producer.close();
      const admin = testAdmin();
      const topics = await admin.listTopics();
      await admin.deleteTopics([
        ...entries.map((t) => t.name),
        ...extraTopics,
        ...topics.filter((t) => t.startsWith(`${prefix}vobe-`)),
      ]);
      await admin.close();
      const api = registryApi(url);
      for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
        await api.deleteSubject(subject).catch(() => {});
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
