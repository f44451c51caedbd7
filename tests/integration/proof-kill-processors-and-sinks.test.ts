import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seededRandom, unit } from "../../connect/demo/random.ts";
import { type SimulatedTrack, simulatePlays } from "../../connect/demo/simulate.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import { TrackLiked, TrackUnliked } from "../../schemas/generated/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { type ReadApi, startReadApi } from "../support/api-read-app.ts";
import { testAdmin } from "../support/kafka.ts";
import {
  differences,
  healthy,
  latestByKey,
  likeTruth,
  playTruth,
  processorsChild,
  sinkCaughtUp,
  sinksChild,
  type TrackPlays,
} from "../support/platform-children.ts";
import { processorsCaughtUp } from "../support/processors-caught-up.ts";
import { freePort, type ProcessorsProcess } from "../support/processors-process.ts";
import { readAll } from "../support/streams.ts";

/**
 * Issue 11, proof 3, with issue 16's instances: three processors instances (`vobe serve
 * processors`, every app in its own thread) and two sinks instances (`vobe serve sinks`) on
 * the same topics, sharing the work by partitions; each instance is killed with SIGKILL at
 * random moments, twice, and started again (its partitions move to the others meanwhile),
 * while the listener simulator sends a few hundred plays a second, a share of them
 * resent with play ids already sent (`--replay` of the same seed). Afterwards every
 * track's play count in the view, in listening.track-play-counts and through the API
 * equals its number of DISTINCT play ids in listening.plays, read here from the raw topic;
 * likes the same against listening.likes.
 *
 * VOBE_PROOF_SEED replays one run's schedule of kills and plays (it is printed).
 */
const seconds = Number(process.env.VOBE_PROOF_SECONDS ?? 40);
const seed = Number(process.env.VOBE_PROOF_SEED ?? Math.floor(Math.random() * 1e9));
const killsEach = 2;
/** Instances of each kind (VOBE_PROOF_PROCESSORS, VOBE_PROOF_SINKS; 1 and 1 is issue 11's proof). */
const processorsInstances = Number(process.env.VOBE_PROOF_PROCESSORS ?? 3);
const sinksInstances = Number(process.env.VOBE_PROOF_SINKS ?? 2);
/** The apps that read the listening topics; the others would only idle on empty topics. */
const topologies = ["plays-per-track", "trending-tracks", "track-like-counts"];

describe("the processors and the sinks killed with SIGKILL at random while plays arrive", () => {
  const endpoints = inject("endpoints");
  const decoder = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const admin = testAdmin();
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-proof-chaos-"));
  const children: ProcessorsProcess[] = [];
  let api: ReadApi;
  let pool: Pool;

  beforeAll(async () => {
    api = await startReadApi("proof-chaos", { processors: false, sinks: false });
    const url = new URL(databaseUrlFor(api.run.endpoints, "listening"));
    url.searchParams.delete("application_name");
    pool = createPool(url.toString(), 2);
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await pool?.end();
    // VOBE_PROOF_KEEP=1 leaves the run's topics and rows for a look after a failure.
    if (process.env.VOBE_PROOF_KEEP) {
      console.log(`proof-kill: kept ${api?.run.topicPrefix} and ${api?.run.schemaPrefix}*`);
      await api?.app.close();
    } else {
      await api?.stop();
    }
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("every track's count in the view, the derived topic and the API equals its distinct plays in listening.plays", async () => {
    const run = api.run;
    const began = Date.now();
    const at = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;
    const events: string[] = [];
    const note = (line: string) => events.push(`${at()} ${line}`);

    /** Instance i of the processors: its own port, state directory and (static) member id. */
    const startProcessors = async (i: number) => {
      const port = await freePort();
      const child = processorsChild(run, {
        stateDir: join(stateDir, String(i)),
        port,
        only: topologies,
        instanceId: `proof-${i}`,
      });
      children.push(child);
      // Worker threads loading their modules take a minute or more on a loaded 2-core machine.
      await healthy(child, port, 240_000);
      note(`processors ${i} healthy`);
      return child;
    };
    const startSinks = async (i: number) => {
      const child = sinksChild(run, { port: await freePort(), only: ["listening"] });
      children.push(child);
      await child.waitForLog((l) => l.msg?.startsWith("sinks running") === true, 240_000);
      note(`sinks ${i} running`);
      return child;
    };
    // How many processors instances held partitions of plays-per-track at once (the group's
    // assignment, sampled): shared work, not one instance working while the others idle.
    const playsGroup = `${run.topicPrefix}vobe-plays-per-track`;
    let mostSharing = 0;
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const members = await admin.groupMembers(playsGroup).catch(() => []);
        const working = members.filter((m) => m.partitions.length > 0).length;
        if (working > mostSharing) note(`${working} processors instances hold partitions`);
        mostSharing = Math.max(mostSharing, working);
        await sleep(1_000);
      }
    })();

    /**
     * Starts a child, and `killsEach` times: lets it work for a random 1-6 s once it is
     * up, kills it, and starts it again; answers the live one.
     */
    const chaos = async (
      name: string,
      start: () => Promise<ProcessorsProcess>,
      stream: number,
      /** Added to each wait: staggered instances are killed while the others work on. */
      staggerMs = 0,
    ) => {
      const random = seededRandom(seed + stream);
      let child = await start();
      let kills = 0;
      while (kills < killsEach) {
        await sleep(1_000 + unit(random) * 5_000 + staggerMs);
        child.child.kill("SIGKILL");
        await child.exited;
        kills++;
        note(`${name} SIGKILLed (${kills})`);
        child = await start();
      }
      return { child, kills };
    };

    const tracks: SimulatedTrack[] = Array.from({ length: 300 }, (_, i) => ({
      trackId: randomUUID(),
      durationMs: 120_000 + ((i * 7_919) % 180_000),
    }));
    const userIds = Array.from({ length: 100 }, () => randomUUID());
    const simulation = {
      endpoints,
      seed,
      topicPrefix: run.topicPrefix,
      tracks,
      userIds,
      replay: true,
      handleSigint: false,
    };

    // Plays from the first moment: the children start on a backlog, and work from then on.
    note("plays start");
    const plays = simulatePlays({
      ...simulation,
      ratePerSecond: 300,
      durationSeconds: seconds,
    }).then((report) => {
      note(`plays end: ${report.sent} sent`);
      return report;
    });
    // The same seed again, later and slower: the first run's plays resent, same play ids.
    const resent = sleep(5_000).then(() =>
      simulatePlays({ ...simulation, ratePerSecond: 80, durationSeconds: seconds - 10 }),
    );
    const likes = publishLikes(run.topicPrefix, tracks.slice(0, 40), userIds.slice(0, 25), seconds);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const [processors, sinks, played, replayed, liked] = await Promise.all([
      Promise.all(
        range(processorsInstances).map((i) =>
          chaos(`processors ${i}`, () => startProcessors(i), 10 + i, (i - 1) * 4_000),
        ),
      ),
      Promise.all(
        range(sinksInstances).map((i) =>
          chaos(`sinks ${i}`, () => startSinks(i), 20 + i, (i - 1) * 4_000),
        ),
      ),
      plays,
      resent,
      likes,
    ]);
    note(`${played.sent} plays sent, ${replayed.sent} resent, ${liked} like events`);

    const prefixed = (topic: string) => `${run.topicPrefix}${topic}`;
    await processorsCaughtUp({
      admin,
      topicPrefix: run.topicPrefix,
      topologies,
      timeoutMs: 120_000,
    });
    note("processors caught up");
    const schema = `${run.schemaPrefix}listening`;
    const viewTopics = [...new Set(listeningView.events.map((e) => prefixed(e.topic)))];
    await sinkCaughtUp({ pool, schema, admin, topics: viewTopics, timeoutMs: 120_000 });
    note("sinks caught up");
    for (const live of [...processors, ...sinks]) expect(live.child.alive).toBe(true);
    // Every instance alive and caught up: the group shares the partitions among them all.
    if (processorsInstances > 1) {
      await eventuallyTrue(() => mostSharing >= processorsInstances, 60_000);
    }
    sampling.on = false;
    await sampler;

    // The truth, from the raw topics.
    const truth = await playTruth(prefixed("listening.plays"), decoder);
    const expected = new Map([...truth.byTrack].map(([t, p]) => [t, p.plays]));
    const expectedLikes = await likeTruth(prefixed("listening.likes"), decoder);

    // The derived topics' latest records.
    const derived = await latestByKey<{
      plays: number;
      completedPlays: number;
      listenedMs: number;
    }>(prefixed("listening.track-play-counts"), decoder);
    const derivedLikes = await latestByKey<{ likes: number }>(
      prefixed("listening.track-like-counts"),
      decoder,
    );
    // The view's rows.
    const viewRows = await pool.query<{
      track_id: string;
      plays: string;
      completed_plays: string;
      listened_ms: string;
    }>(`select track_id, plays, completed_plays, listened_ms from "${schema}".track_play_counts`);
    const viewLikes = await pool.query<{ track_id: string; likes: string }>(
      `select track_id, likes from "${schema}".track_like_counts`,
    );
    const playRows = await pool.query<{ track_id: string; plays: string }>(
      `select track_id, count(distinct play_id) as plays from "${schema}".plays group by track_id`,
    );
    // The API's answers, for every track played or liked.
    const apiPlays = new Map<string, number>();
    const apiLikes = new Map<string, number>();
    for (const trackId of new Set([...expected.keys(), ...expectedLikes.keys()])) {
      const answer = await api.get(`/api/listening/tracks/${trackId}/plays`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      apiPlays.set(trackId, answer.body.plays);
      apiLikes.set(trackId, answer.body.likes);
    }

    type Totals = { plays: number; completedPlays: number; listenedMs: number };
    const fromTruth = (f: keyof Totals) => new Map([...truth.byTrack].map(([t, p]) => [t, p[f]]));
    const fromDerived = (f: keyof Totals) =>
      new Map([...derived].map(([t, c]) => [t, Number(c[f])]));
    const fromView = (rows: ReadonlyArray<{ track_id: string }>, column: string) =>
      new Map(rows.map((r) => [r.track_id, Number((r as Record<string, unknown>)[column])]));
    const likesOf = new Map([...derivedLikes].map(([t, c]) => [t, Number(c.likes)]));
    const problems = [
      ...differences("plays in the derived topic", expected, fromDerived("plays")),
      ...differences(
        "completed plays in the derived topic",
        fromTruth("completedPlays"),
        fromDerived("completedPlays"),
      ),
      ...differences(
        "listened ms in the derived topic",
        fromTruth("listenedMs"),
        fromDerived("listenedMs"),
      ),
      ...differences("plays in the view", expected, fromView(viewRows.rows, "plays")),
      ...differences(
        "completed plays in the view",
        fromTruth("completedPlays"),
        fromView(viewRows.rows, "completed_plays"),
      ),
      ...differences(
        "listened ms in the view",
        fromTruth("listenedMs"),
        fromView(viewRows.rows, "listened_ms"),
      ),
      ...differences("plays rows in the view", expected, fromView(playRows.rows, "plays")),
      ...differences("plays through the API", expected, apiPlays, 0),
      ...differences("likes in the derived topic", expectedLikes, likesOf, 0),
      ...differences("likes in the view", expectedLikes, fromView(viewLikes.rows, "likes"), 0),
      ...differences("likes through the API", expectedLikes, apiLikes, 0),
    ];

    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    console.log(
      [
        `proof-kill (seed ${seed}): ${processorsInstances} processors instances, ${kills(processors)} SIGKILLs; ${sinksInstances} sinks instances, ${kills(sinks)} SIGKILLs; in ${seconds} s`,
        `  at most ${mostSharing} processors instances held partitions of plays-per-track at once`,
        `  listening.plays: ${truth.records} records, ${truth.distinct} distinct plays over ${expected.size} tracks (${truth.records - truth.distinct} resent)`,
        `  likes now: ${total(expectedLikes)} over ${expectedLikes.size} tracks`,
        `  plays counted: derived ${total(fromDerived("plays"))}, view ${total(fromView(viewRows.rows, "plays"))}, API ${total(apiPlays)}`,
        `  ${problems.length} differences`,
        ...(problems.length === 0 ? [] : byPartition(truth.byTrack, derived)),
        ...(problems.length === 0
          ? []
          : await derivedHistories(
              prefixed("listening.track-play-counts"),
              decoder,
              expected,
              derived,
            )),
        ...events.map((e) => `  ${e}`),
      ].join("\n"),
    );
    expect(kills(processors)).toBe(killsEach * processorsInstances);
    expect(kills(sinks)).toBe(killsEach * sinksInstances);
    expect(mostSharing).toBe(processorsInstances);
    expect(truth.records - truth.distinct).toBeGreaterThan(0);
    expect(problems.slice(0, 40)).toEqual([]);
  }, 900_000);
});

const kills = (instances: ReadonlyArray<{ kills: number }>) =>
  instances.reduce((sum, i) => sum + i.kills, 0);

async function eventuallyTrue(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** Distinct plays and the derived topic's counts, summed per partition of listening.plays. */
function byPartition(
  truth: ReadonlyMap<string, TrackPlays>,
  derived: ReadonlyMap<string, { plays: number }>,
): string[] {
  const sums = new Map<number, { expected: number; found: number; tracks: number; off: number }>();
  for (const [track, t] of truth) {
    const sum = sums.get(t.partition) ?? { expected: 0, found: 0, tracks: 0, off: 0 };
    const found = Number(derived.get(track)?.plays ?? 0);
    sum.expected += t.plays;
    sum.found += found;
    sum.tracks += 1;
    sum.off += found === t.plays ? 0 : 1;
    sums.set(t.partition, sum);
  }
  return [...sums]
    .sort((a, b) => a[0] - b[0])
    .map(
      ([p, s]) =>
        `  listening.plays partition ${p}: ${s.expected} distinct plays, ${s.found} in the derived topic; ${s.off} of ${s.tracks} tracks differ`,
    );
}

/**
 * For a few tracks whose count in the derived topic is wrong: every record of theirs, as
 * partition:offset=plays in log order (tombstones too), to tell a lost interval (a step
 * missing) from a repeated one, a tombstone, or a count written out of order.
 */
async function derivedHistories(
  topic: string,
  decoder: { decode: (value: Buffer) => Promise<unknown> },
  expected: ReadonlyMap<string, number>,
  derived: ReadonlyMap<string, { plays: number }>,
): Promise<string[]> {
  const wrong = [...expected]
    .filter(([track, n]) => Number(derived.get(track)?.plays ?? 0) !== n)
    .slice(0, 3)
    .map(([track]) => track);
  const records = await readAll(topic);
  const lines: string[] = [];
  for (const track of wrong) {
    const steps: string[] = [];
    for (const r of records) {
      const value = r.value
        ? ((await decoder.decode(r.value)) as { trackId: string; plays: number })
        : null;
      if (value?.trackId !== track && r.key?.toString() !== track) continue;
      const key = r.key?.toString() === track ? "" : ` key ${r.key?.toString("hex") ?? "null"}`;
      steps.push(`${r.partition}:${r.offset}=${value?.plays ?? "tombstone"}${key}`);
    }
    lines.push(`  ${track} (expected ${expected.get(track)}): ${steps.join(" ")}`);
  }
  return lines;
}

/** Like and unlike events, a few dozen a second, over few tracks and listeners (many changes). */
async function publishLikes(
  topicPrefix: string,
  tracks: readonly SimulatedTrack[],
  userIds: readonly string[],
  seconds: number,
): Promise<number> {
  const endpoints = inject("endpoints");
  const producer = createProducer({
    brokers: endpoints.kafkaBrokers,
    clientId: "vobe-proof-likes",
  });
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const liked = { ...TrackLiked, topic: `${topicPrefix}${TrackLiked.topic}` };
  const unliked = { ...TrackUnliked, topic: `${topicPrefix}${TrackUnliked.topic}` };
  const until = Date.now() + seconds * 1000;
  let sent = 0;
  try {
    while (Date.now() < until) {
      const batch: PendingEvent<Envelope>[] = [];
      for (let i = 0; i < 4; i++) {
        const trackId = tracks[Math.floor(Math.random() * tracks.length)]?.trackId as string;
        const userId = userIds[Math.floor(Math.random() * userIds.length)] as string;
        batch.push({
          type: Math.random() < 0.6 ? liked : unliked,
          key: trackId,
          payload: { trackId, userId },
          context: { actor: { userId, role: "listener" } },
        } as PendingEvent<Envelope>);
      }
      await events.publishAll(batch as never);
      sent += batch.length;
      await sleep(100);
    }
  } finally {
    await producer.close();
  }
  return sent;
}
