import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer, type PendingEvent } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import type { TrackPlayCount, TrackPlayed } from "../../schemas/generated/index.ts";
import { brokers, testAdmin } from "../support/kafka.ts";
import { freePort, get, ProcessorsProcess } from "../support/processors-process.ts";
import { eventually, readAll } from "../support/streams.ts";

/**
 * `vobe serve processors` as a real child process (issue 12 defect 1, issue 11 point 0):
 * its /metrics scraped concurrently while two apps process, and SIGTERM under load.
 */
const prefix = `test.processors-serve.${randomUUID().slice(0, 8)}.`;
const names = ["plays-per-track", "trending-tracks"];
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
const countsTopic = `${prefix}listening.track-play-counts`;
const tracks = Array.from({ length: 12 }, () => randomUUID());

describe("vobe serve processors, as a process", () => {
  const endpoints = inject("endpoints");
  const url = endpoints.schemaRegistryUrl;
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-processors-serve" });
  const events = createEventProducer({ producer, registry: registryApi(url) });
  const registry = createSchemaRegistry(url);
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-processors-serve-"));
  const expected = new Map<string, number>();
  const started: ProcessorsProcess[] = [];
  let port = 0;

  const start = () => {
    const child = new ProcessorsProcess(
      [
        "cli/main.ts",
        "serve",
        "processors",
        "--prefix",
        prefix,
        "--state-dir",
        stateDir,
        "--only",
        ...names,
      ],
      {
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
        SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
        DATABASE_URL: endpoints.databaseUrl,
        SEARCH_URL: endpoints.searchUrl,
        VOBE_PROCESSORS_PORT: String(port),
        VOBE_INSTANCE_ID: "it",
      },
    );
    started.push(child);
    return child;
  };
  const healthy = async (child: ProcessorsProcess) => {
    const answer = await eventually(
      () => get(`http://127.0.0.1:${port}/health`),
      (a) => a.status === 200 || !child.alive,
      120_000,
    );
    expect(answer.status, `${answer.body}\n${child.stderr.join("")}`).toBe(200);
  };

  beforeAll(async () => {
    port = await freePort();
    await applyCatalog({ kafkaBrokers: brokers(), schemaRegistryUrl: url, catalog: entries });
  });
  afterAll(async () => {
    for (const child of started) await child.kill();
    await producer.close();
    const topics = await admin.listTopics();
    await admin.deleteTopics([
      ...entries.map((t) => t.name),
      ...topics.filter((t) => t.startsWith(`${prefix}vobe-`)),
    ]);
    await admin.close();
    const api = registryApi(url);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await api.deleteSubject(subject).catch(() => {});
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function publishPlays(n: number): Promise<void> {
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
  }

  async function latestCounts(): Promise<Map<string, number>> {
    const records = await readAll(countsTopic);
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
  }
  const caughtUp = (m: Map<string, number>) => [...expected].every(([t, n]) => m.get(t) === n);

  it("answers every scrape of /metrics, concurrent ones included, while its apps process; each app's series apart", async () => {
    const child = start();
    await healthy(child);
    let publishing = true;
    const load = (async () => {
      for (let i = 0; i < 10; i++) await publishPlays(300);
      publishing = false;
    })();
    const answers = [];
    while (publishing || answers.length < 40) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 8 }, () => get(`http://127.0.0.1:${port}/metrics`)),
        )),
      );
      await sleep(50);
    }
    await load;
    expect(child.alive, child.stderr.join("")).toBe(true);
    expect(
      answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body.slice(0, 200)}`),
    ).toEqual([]);
    const last = answers.at(-1)?.body ?? "";
    for (const name of names) {
      expect(last).toMatch(
        new RegExp(
          `vobe_streams_records_processed_total\\{application="${prefix.replaceAll(".", "\\.")}vobe-${name}"`,
        ),
      );
    }
    // One family per metric name, and the process's own metrics once.
    expect(last.match(/^# TYPE vobe_streams_records_processed_total /gm)).toHaveLength(1);
    expect(last.match(/^process_cpu_user_seconds_total /gm)).toHaveLength(1);
    expect(last).toMatch(
      /^vobe_processors_app_up\{application="[^"]+vobe-plays-per-track",state="running"\} 1$/m,
    );

    const counts = await eventually(latestCounts, caughtUp, 90_000);
    expect(counts).toEqual(expected);
  }, 240_000);

  it("stops within its bound on SIGTERM under load, and a restart counts every play once", async () => {
    const first = started[0] as ProcessorsProcess;
    expect(first.alive).toBe(true);
    const load = (async () => {
      for (let i = 0; i < 8; i++) await publishPlays(300);
    })();
    await sleep(1_000);
    const signalled = Date.now();
    first.child.kill("SIGTERM");
    const exit = await first.exited;
    const tookMs = exit.at - signalled;
    console.log(`processors-serve: SIGTERM under load → exit ${exit.code} after ${tookMs} ms`);
    expect(exit.code).toBe(0);
    expect(tookMs).toBeLessThan(15_000);
    expect(first.lines.some((l) => l.msg === "processors stopped")).toBe(true);
    await load;

    const second = start();
    await healthy(second);
    const counts = await eventually(latestCounts, caughtUp, 90_000);
    expect(counts).toEqual(expected);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 300_000);
});
