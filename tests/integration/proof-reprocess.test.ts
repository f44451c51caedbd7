import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createPlayGenerator, type PlayPayload } from "../../connect/demo/simulate.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { exitBoundMs } from "../../processors/apps/serve.ts";
import { topologyNames } from "../../processors/topologies/index.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import { TrackPlayed } from "../../schemas/generated/index.ts";
import { testAdmin } from "../support/kafka.ts";
import {
  differences,
  latestByKey,
  playTruth,
  prefixedPlatform,
  processorsChild,
} from "../support/platform-children.ts";
import { processorsCaughtUp } from "../support/processors-caught-up.ts";
import {
  type Answer,
  freePort,
  get,
  type ProcessorsProcess,
} from "../support/processors-process.ts";

/**
 * Issue 11, proof 1: a backlog of plays (VOBE_PROOF_PLAYS, default 50,000; run it with
 * 1,000,000 by hand), then `vobe serve processors` with every topology, each app from
 * offset 0. While it catches up, /health is asked every 500 ms and must answer every time
 * (200, or 503 naming each app's state), never time out or refuse: a backlog no longer
 * freezes the process (before worker threads and the ordered overlays, it answered 0 of
 * 144 probes). Once caught up, each track's count in listening.track-play-counts equals
 * its distinct play ids in listening.plays, and SIGTERM ends the process within its bound.
 * The rate per tenth of the backlog is printed, not asserted: speed is bench/'s business.
 */
const backlog = Number(process.env.VOBE_PROOF_PLAYS ?? 50_000);
/** A share of the backlog is sent again with play ids already sent (counted once). */
const resentShare = 0.05;
/** Far above an answer on a loaded machine (~2 s at worst seen), far below "frozen". */
const probeTimeoutMs = 5_000;
/** The apps that read listening.plays: their progress is the backlog's. */
const playReaders = ["plays-per-track", "trending-tracks"];

describe("reprocessing a backlog of plays with every topology", () => {
  const endpoints = inject("endpoints");
  const decoder = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const admin = testAdmin();
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-proof-reprocess-"));
  let platform: Awaited<ReturnType<typeof prefixedPlatform>>;
  let child: ProcessorsProcess | undefined;

  beforeAll(async () => {
    platform = await prefixedPlatform(endpoints, "proof-reprocess");
  });
  afterAll(async () => {
    await child?.kill();
    await platform?.remove();
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("health answers throughout the catch-up, the counts equal the log, SIGTERM stops it within its bound", async () => {
    const prefix = platform.topicPrefix;
    const playsTopic = `${prefix}${TrackPlayed.topic}`;
    const producing = performance.now();
    const records = await publishBacklog(prefix, backlog);
    const produceSeconds = (performance.now() - producing) / 1000;

    const port = await freePort();
    const started = Date.now();
    child = processorsChild({ topicPrefix: prefix, endpoints }, { stateDir, port });
    const running = child;

    // The first answer comes once the main thread has spawned the apps' threads.
    let first: Answer = { status: 0, body: "", ms: 0 };
    while (first.status === 0 && Date.now() - started < 120_000 && running.alive) {
      await sleep(200);
      first = await get(`http://127.0.0.1:${port}/health`, probeTimeoutMs);
    }
    expect(first.status, `${first.body}\n${running.stderr.join("").slice(-4000)}`).not.toBe(0);

    // From then on: a probe every 500 ms, and the play readers' commits, until caught up.
    const probes: Array<Answer & { at: number }> = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const at = Date.now();
        probes.push({ ...(await get(`http://127.0.0.1:${port}/health`, probeTimeoutMs)), at });
        await sleep(Math.max(0, 500 - (Date.now() - at)));
      }
    })();
    const marks = new Map(playReaders.map((name) => [name, [] as number[]]));
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const name of playReaders) {
          const committed = await admin.committedOffsets(`${prefix}vobe-${name}`);
          let done = 0n;
          for (const [slot, offset] of committed) {
            if (slot.startsWith(`${playsTopic}:`)) done += offset;
          }
          const list = marks.get(name) as number[];
          while (list.length < 10 && Number(done) >= (records * (list.length + 1)) / 10) {
            list.push(Date.now());
          }
        }
        await sleep(250);
      }
    })();

    let behind: unknown;
    try {
      await processorsCaughtUp({
        admin,
        topicPrefix: prefix,
        topologies: topologyNames,
        timeoutMs: Number(process.env.VOBE_PROOF_CATCH_UP_MS ?? 300_000),
      });
    } catch (error) {
      behind = error;
    } finally {
      probing = false;
      watching = false;
      await prober;
      await watcher;
    }
    const caughtUpSeconds = (Date.now() - started) / 1000;

    const unanswered = probes.filter((p) => p.status !== 200 && p.status !== 503);
    // A 503 must say what each app is doing.
    const mute = probes.filter(
      (p) =>
        p.status === 503 &&
        !(JSON.parse(p.body).apps as Array<{ state?: string }>).every((a) => a.state),
    );
    const slowest = Math.max(...probes.map((p) => p.ms));
    // What the 503s said, app by app: starting threads, or apps reported stuck.
    const said = new Map<string, number>();
    for (const p of probes.filter((p) => p.status === 503)) {
      const body = JSON.parse(p.body) as { apps: Array<{ application: string; state: string }> };
      for (const app of body.apps.filter((a) => a.state !== "running")) {
        const line = `${app.application.slice(prefix.length)} ${app.state}`;
        said.set(line, (said.get(line) ?? 0) + 1);
      }
    }
    const rate = (name: string) => {
      const list = marks.get(name) as number[];
      return list.map((t, i) => {
        const from = i === 0 ? started : (list[i - 1] as number);
        return Math.round(records / 10 / Math.max((t - from) / 1000, 1e-3));
      });
    };
    console.log(
      [
        `proof-reprocess: ${records} records in listening.plays, produced in ${produceSeconds.toFixed(1)} s`,
        behind
          ? `  NOT caught up ${caughtUpSeconds.toFixed(1)} s after the process started`
          : `  every topology (${topologyNames.length}) caught up ${caughtUpSeconds.toFixed(1)} s after the process started`,
        "  committed records/s per tenth of the backlog (the first includes the start):",
        ...playReaders.map((name) => `    ${name.padEnd(16)} ${rate(name).join("  ")}`),
        `  /health: ${probes.length} probes, ${probes.filter((p) => p.status === 200).length} × 200, ${probes.filter((p) => p.status === 503).length} × 503, ${unanswered.length} unanswered; slowest ${Math.round(slowest)} ms`,
        ...[...said].map(([line, n]) => `    in the 503s: ${line} × ${n}`),
      ].join("\n"),
    );
    expect(
      unanswered.map((p) => `${new Date(p.at).toISOString()}: ${p.status} ${p.body.slice(0, 200)}`),
    ).toEqual([]);
    expect(mute.map((p) => p.body.slice(0, 300))).toEqual([]);
    if (behind) throw behind;
    expect(running.alive, running.stderr.join("").slice(-4000)).toBe(true);

    const truth = await playTruth(playsTopic, decoder);
    const counts = await latestByKey<{ plays: number }>(
      `${prefix}listening.track-play-counts`,
      decoder,
    );
    const expected = new Map([...truth.byTrack].map(([t, p]) => [t, p.plays]));
    const found = new Map([...counts].map(([t, c]) => [t, Number(c.plays)]));
    const problems = differences("plays in listening.track-play-counts", expected, found);

    const signalled = Date.now();
    running.child.kill("SIGTERM");
    const exit = await Promise.race([
      running.exited,
      sleep(exitBoundMs + 30_000).then(() => undefined),
    ]);
    const stopMs = (exit?.at ?? Date.now()) - signalled;

    console.log(
      [
        `proof-reprocess: ${truth.distinct} distinct plays over ${expected.size} tracks; ${problems.length} tracks differ`,
        `  SIGTERM → exit ${exit ? `${exit.code ?? exit.signal}` : "none"} after ${stopMs} ms (bound ${exitBoundMs} ms)`,
      ].join("\n"),
    );
    expect(truth.records - truth.distinct).toBeGreaterThan(0);
    expect(problems.slice(0, 40)).toEqual([]);
    expect(exit, `no exit ${exitBoundMs + 30_000} ms after SIGTERM`).toBeDefined();
    expect(exit?.code).toBe(0);
    // The bound, with room for a loaded machine to schedule the exit.
    expect(stopMs).toBeLessThan(exitBoundMs + 6_000);
  }, 600_000);
});

/**
 * `n` records of plays from the simulator's generator, spread over the last two hours
 * (several hourly windows and trending hops), about `resentShare` of them copies of an
 * earlier play (same play id) further on in the log; answers how many were written.
 */
async function publishBacklog(prefix: string, n: number): Promise<number> {
  const endpoints = inject("endpoints");
  const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-proof" });
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const type = { ...TrackPlayed, topic: `${prefix}${TrackPlayed.topic}` };
  const plays = createPlayGenerator({
    seed: Math.floor(Math.random() * 1e9),
    tracks: Array.from({ length: 2_000 }, (_, i) => ({
      trackId: randomUUID(),
      durationMs: 120_000 + ((i * 7_919) % 180_000),
    })),
    userIds: Array.from({ length: 500 }, () => randomUUID()),
  });
  const spanMs = 2 * 3_600_000;
  const from = Date.now() - spanMs;
  const sent: PlayPayload[] = [];
  let written = 0;
  try {
    const batchSize = 5_000;
    for (let i = 0; i < n; i += batchSize) {
      const batch: Array<PendingEvent<Envelope>> = [];
      for (let j = i; j < Math.min(n, i + batchSize); j++) {
        const resend = sent.length > 0 && Math.random() < resentShare;
        const play = resend
          ? (sent[Math.floor(Math.random() * sent.length)] as PlayPayload)
          : plays.next();
        if (!resend && sent.length < 50_000) sent.push(play);
        batch.push({
          type,
          key: play.trackId,
          payload: play,
          context: {
            actor: { userId: play.userId, role: "listener" },
            occurredAt: new Date(from + Math.floor((spanMs * j) / n)),
          },
        } as PendingEvent<Envelope>);
      }
      await events.publishAll(batch);
      written += batch.length;
    }
  } finally {
    await producer.close();
  }
  return written;
}
