/**
 * The listening facts end to end on the real stack: plays and likes through the producer
 * layer (some plays written twice, as a writer that resends does), the real processors
 * (plays-per-track, trending-tracks, track-like-counts, in-process) and the real listening
 * sink. Every owner counts a play id once: the derived topics, the interactive queries and
 * the view equal an independent count of the distinct plays.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Pool } from "../../platform/postgres/pool.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { type InlineProcessors, startProcessors } from "../../processors/apps/index.ts";
import {
  type PlayTotals,
  playsPerTrackStores,
} from "../../processors/topologies/plays-per-track.ts";
import { eventHeaders, type PendingEvent } from "../../producers/index.ts";
import * as listening from "../../schemas/generated/listening.ts";
import { quote } from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { createSinkRuntime, type ServedSinks, serveSinks } from "../../sinks/runtime.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  sinkTestRun,
  testEvents,
  viewPool,
} from "../support/sinks-fixtures.ts";
import { eventually, readAll } from "../support/streams.ts";

const run = sinkTestRun(inject("endpoints"), "listening");
const views = [listeningView];
const HOUR = 3_600_000;
// Whole hours in the past, so that the test decides which windows close: the first
// plays' hour (and the trending hour ending with it) closes when the later plays arrive.
const early = Math.floor(Date.now() / HOUR) * HOUR - 4 * HOUR;
const later = early + 2 * HOUR;
const tracks = Array.from({ length: 8 }, () => randomUUID());
const users = Array.from({ length: 4 }, () => randomUUID());

type Play = Omit<listening.TrackPlayed, "eventId" | "occurredAt" | "actor"> & { at: number };

/** What the processors should have made of the distinct plays. */
function expectedTotals(plays: readonly Play[]) {
  const totals = new Map<string, PlayTotals>();
  const seen = new Set<string>();
  for (const p of plays) {
    if (seen.has(p.playId)) continue;
    seen.add(p.playId);
    const t = totals.get(p.trackId) ?? {
      plays: 0,
      completedPlays: 0,
      listenedMs: 0,
      lastPlayedAt: 0,
    };
    totals.set(p.trackId, {
      plays: t.plays + 1,
      completedPlays: t.completedPlays + (p.completed ? 1 : 0),
      listenedMs: t.listenedMs + p.listenedMs,
      lastPlayedAt: Math.max(t.lastPlayedAt, p.at),
    });
  }
  return totals;
}

describe("the listening facts: processors → derived topics → the listening view", () => {
  const { producer, events } = testEvents(run);
  const registry = createSchemaRegistry(run.endpoints.schemaRegistryUrl);
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-listening-"));
  const runtime = createSinkRuntime(run.endpoints, "vobe-tests-listening");
  let processors: InlineProcessors | undefined;
  let served: ServedSinks | undefined;
  let pool: Pool;
  const sent: Play[] = [];

  const schema = () => quote(`${run.schemaPrefix}listening`);
  const publish = async (plays: readonly Play[]) => {
    sent.push(...plays);
    const type = prefixed(run, listening.TrackPlayed);
    await events.publishAll(
      plays.map(({ at, ...payload }) => ({
        type,
        key: payload.trackId,
        payload,
        context: { ...context, occurredAt: new Date(at) },
      })) as Array<PendingEvent<listening.TrackPlayed>> as never,
    );
  };
  const play = (trackId: string, at: number, i: number): Play => ({
    playId: randomUUID(),
    trackId,
    userId: users[i % users.length] as string,
    listenedMs: 1_000 * (i % 7),
    trackDurationMs: 6_000,
    completed: i % 7 === 6,
    source: "web",
    at,
  });
  const like = (liked: boolean, trackId: string, userId: string) =>
    events.publish(
      prefixed(run, liked ? listening.TrackLiked : listening.TrackUnliked),
      trackId,
      { trackId, userId },
      context,
    );

  beforeAll(async () => {
    await applyTopics(run, views);
    pool = await viewPool(run, "listening");
    // Skewed, like real listening; a fifth of the plays are sent a second time.
    const first = Array.from({ length: 300 }, (_, i) =>
      play(tracks[Math.floor(tracks.length * Math.random() ** 2)] as string, early + i * 500, i),
    );
    await publish(first);
    await publish(first.filter((_, i) => i % 5 === 0));
    await like(true, tracks[0] as string, users[0] as string);
    await like(true, tracks[0] as string, users[1] as string);
    await like(true, tracks[0] as string, users[1] as string);
    await like(true, tracks[1] as string, users[0] as string);
    await like(false, tracks[0] as string, users[0] as string);

    processors = await startProcessors({
      brokers: run.endpoints.kafkaBrokers,
      schemaRegistryUrl: run.endpoints.schemaRegistryUrl,
      prefix: run.topicPrefix,
      stateDir,
      instanceId: "it",
      only: ["plays-per-track", "trending-tracks", "track-like-counts"],
    });
    served = await serveSinks(runtime, views, {
      schemaPrefix: run.schemaPrefix,
      topicPrefix: run.topicPrefix,
      maxWaitMs: 50,
    });
    // While they run: a play of every track two hours later (every partition's stream
    // time moves on, closing the first hour), and copies of early plays, sent once more.
    await publish(tracks.map((t, i) => play(t, later + i, i)));
    await publish(first.filter((_, i) => i % 9 === 0));
  });

  afterAll(async () => {
    await processors?.stop();
    await served?.stop();
    await runtime.close();
    await producer.close();
    await pool?.end();
    await cleanup(run, views);
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The latest record per key of a derived topic, decoded through the registry. */
  const latest = async <T>(type: { topic: string }) => {
    const records = await readAll(`${run.topicPrefix}${type.topic}`);
    records.sort((a, b) =>
      a.partition !== b.partition ? a.partition - b.partition : a.offset < b.offset ? -1 : 1,
    );
    const out = new Map<string, T>();
    for (const r of records) {
      if (r.value) out.set(r.key?.toString() ?? "", (await registry.decode(r.value)) as T);
    }
    return { records, latest: out };
  };

  it("counts each play id once: the derived topic, the store and the view agree with the distinct plays", async () => {
    const expected = expectedTotals(sent);
    const distinct = new Set(sent.map((p) => p.playId)).size;
    expect(distinct).toBeLessThan(sent.length); // copies were sent
    const viewRows = async () =>
      (
        await pool.query<{
          track_id: string;
          plays: string;
          completed_plays: string;
          listened_ms: string;
          last_played_at: Date;
        }>(`select * from ${schema()}.track_play_counts`)
      ).rows;
    const rows = await eventually(
      viewRows,
      (r) =>
        r.length === expected.size &&
        r.every((row) => Number(row.plays) === expected.get(row.track_id)?.plays),
      30_000,
    );
    for (const row of rows) {
      const t = expected.get(row.track_id) as PlayTotals;
      expect({
        plays: Number(row.plays),
        completedPlays: Number(row.completed_plays),
        listenedMs: Number(row.listened_ms),
        lastPlayedAt: row.last_played_at.getTime(),
      }).toEqual(t);
    }
    // The view's plays rows are the same distinct plays, and it computed nothing of its own.
    const { rows: counted } = await pool.query<{ track_id: string; n: number }>(
      `select track_id, count(*)::int as n from ${schema()}.plays group by track_id`,
    );
    expect(new Map(counted.map((r) => [r.track_id, r.n]))).toEqual(
      new Map([...expected].map(([k, v]) => [k, v.plays])),
    );

    const { latest: topic } = await latest<listening.TrackPlayCount>(listening.TrackPlayCount);
    expect(new Map([...topic].map(([k, v]) => [k, v.plays]))).toEqual(
      new Map([...expected].map(([k, v]) => [k, v.plays])),
    );
    const app = processors?.apps.find((a) => a.name === "plays-per-track")?.app;
    const store = app?.keyValueStore<string, PlayTotals>(playsPerTrackStores.counts);
    for (const [trackId, t] of expected) expect(store?.get(trackId)).toEqual(t);
  });

  it("stores the final hour per track and the trending list of the closed hour, from distinct plays", async () => {
    const firstHour = sent.filter((p) => p.at < early + HOUR);
    const expected = new Map([...expectedTotals(firstHour)].map(([k, v]) => [k, v.plays]));
    const hourly = async () =>
      (
        await pool.query<{ track_id: string; plays: number; window_start: Date }>(
          `select track_id, plays::int, window_start from ${schema()}.track_plays_hourly`,
        )
      ).rows;
    const rows = await eventually(hourly, (r) => r.length === expected.size, 30_000);
    expect(new Map(rows.map((r) => [r.track_id, r.plays]))).toEqual(expected);
    expect(rows.every((r) => r.window_start.getTime() === early)).toBe(true);

    // The newest closed hop [early, early + 1 h) holds every early play.
    const top = [...expected]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, 10)
      .map(([trackId, plays]) => ({ trackId, plays }));
    const trending = async () =>
      (
        await pool.query<{ window_start: Date; tracks: unknown }>(
          `select window_start, tracks from ${schema()}.trending where list = 'last-hour'`,
        )
      ).rows[0];
    const list = await eventually(
      trending,
      (r) => r !== undefined && isDeepStrictEqual(r.tracks, top),
      30_000,
    );
    expect(list?.window_start.getTime()).toBe(early);
    expect(list?.tracks).toEqual(top);
  });

  it("counts the listeners whose latest like event is a like", async () => {
    const rows = async () =>
      (
        await pool.query<{ track_id: string; likes: number }>(
          `select track_id, likes::int from ${schema()}.track_like_counts`,
        )
      ).rows;
    const expected = new Map([
      [tracks[0] as string, 1],
      [tracks[1] as string, 1],
    ]);
    const got = await eventually(
      rows,
      (r) => r.length === 2 && r.every((x) => expected.get(x.track_id) === x.likes),
      30_000,
    );
    expect(new Map(got.map((r) => [r.track_id, r.likes]))).toEqual(expected);
  });

  it("writes derived records whose headers describe them, not the play that caused them", async () => {
    // A count changes with one input event: that event is its cause. A window's final
    // result has many, and names none.
    for (const [type, caused] of [
      [listening.TrackPlayCount, true],
      [listening.TrackLikeCount, true],
      [listening.TrackPlaysHourly, false],
      [listening.TrendingTracks, false],
    ] as const) {
      const records = await readAll(`${run.topicPrefix}${type.topic}`);
      expect(records.length, type.topic).toBeGreaterThan(0);
      for (const r of records) {
        const header = (name: string) => r.headers.get(name)?.toString();
        expect(header(eventHeaders.eventType)).toBe(type.name);
        const value = (await registry.decode(r.value as Buffer)) as { eventId: string };
        expect(header(eventHeaders.eventId)).toBe(value.eventId);
        if (caused) expect(header(eventHeaders.causationId)).toMatch(/^[0-9a-f-]{36}$/);
        else expect(header(eventHeaders.causationId)).toBeUndefined();
      }
    }
  });
});
