/**
 * Postgres really restarted (server shutdown and start, not killed connections) while
 * plays keep flowing: the sink process rides it out by itself and, in the end, has every
 * play once and its stored offsets at the topics' end. The server is a private one (its
 * own home and port, started with `vobe stack`): the shared one serves other tests.
 */

import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Pool } from "../../platform/postgres/pool.ts";
import * as listening from "../../schemas/generated/listening.ts";
import { versionSchema } from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { testAdmin } from "../support/kafka.ts";
import { freePort, type PrivateStack, privateStack } from "../support/private-stack.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  type SinkTestRun,
  sinkTestRun,
  testEvents,
  viewPool,
} from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";

const views = [listeningView];
/** The version a fresh run builds: the view's first one. */
const version = listeningView.minVersion ?? 1;
const tracks = Array.from({ length: 12 }, () => randomUUID());

describe("a sink whose Postgres is restarted while records flow", () => {
  let stack: PrivateStack;
  let run: SinkTestRun;
  let child: ChildProcess | undefined;
  let events: ReturnType<typeof testEvents>;
  const admin = testAdmin();
  // Plays flow the whole time, through the outage too, until the test (or afterAll) says.
  let flowing = false;
  let producing: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    stack = await privateStack({ postgres: await freePort() });
    await stack.up("postgres");
    // Kafka and the registry are the shared ones; only the views' database is private.
    run = sinkTestRun({ ...inject("endpoints"), databaseUrl: stack.postgresUrl }, "pg-restart");
    events = testEvents(run);
    await applyTopics(run, views);
  });
  afterAll(async () => {
    try {
      flowing = false;
      await producing.catch(() => {});
      if (child) await killHard(child);
      await events?.producer.close();
      await admin.close();
      // Topics and subjects are on the shared stack: they must go even if the private
      // Postgres (where cleanup drops the schemas last) is down because the test failed.
      if (run)
        await cleanup(run, views).catch((e: Error) => console.error(`cleanup: ${e.message}`));
    } finally {
      await stack?.destroy();
    }
  }, 120_000);

  it("recovers by itself: no restart of the sink, every play once, offsets at the end", async () => {
    const schema = versionSchema(`${run.schemaPrefix}listening`, listeningView.minVersion ?? 1);
    const type = prefixed(run, listening.TrackPlayed);
    const expected = new Map<string, number>();
    let sent = 0;
    const produceSome = async (n: number) => {
      const batch = [];
      for (let i = 0; i < n; i++, sent++) {
        const trackId = tracks[sent % tracks.length] as string;
        expected.set(trackId, (expected.get(trackId) ?? 0) + 1);
        batch.push({
          type,
          key: trackId,
          payload: {
            playId: randomUUID(),
            trackId,
            userId: randomUUID(),
            listenedMs: 1000,
            trackDurationMs: 2000,
            completed: true,
            source: "simulator" as const,
          },
          context,
        });
      }
      await events.events.publishAll(batch as never);
    };

    const healthPort = await freePort();
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${healthPort}/health`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    child = spawnTs("tests/support/sinks-child.ts", [
      JSON.stringify(run.endpoints),
      run.schemaPrefix,
      run.topicPrefix,
      String(healthPort),
    ]);
    const sink = child;
    let stderr = "";
    sink.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    await waitForLine(sink, "running");
    expect((await health()).status).toBe(200);

    flowing = true;
    producing = (async () => {
      while (flowing) {
        await produceSome(50);
        await sleep(50);
      }
    })();

    const count = async (pool: Pool) =>
      (await pool.query<{ n: number }>(`select count(*)::int as n from ${schema}.plays`)).rows[0]
        ?.n ?? 0;
    const before = await viewPool(run, "listening");
    try {
      // The sink is writing before the outage, not only after it.
      const applied = await eventually(
        () => count(before),
        (n) => n > 0,
        20_000,
      );
      expect(applied).toBeGreaterThan(0);
    } finally {
      await before.end();
    }

    await stack.down("postgres");
    const sentAtDown = sent;
    await sleep(4_000);
    expect(sent, "plays kept flowing while Postgres was down").toBeGreaterThan(sentAtDown);
    expect(stderr, "the sink saw the outage").toMatch(/retrying in \d+ ms/);
    const during = await health();
    expect(during.status, "health says the sink is failing").toBe(503);
    expect(during.body).toMatchObject({
      ok: false,
      sinks: { [`listening v${version}`]: { ok: false, lastError: expect.any(String) } },
    });
    await stack.up("postgres");
    await sleep(1_500);
    flowing = false;
    await producing;

    const ends = await admin.endOffsets(type.topic, "read_committed");
    const total = ends.reduce((s, e) => s + e, 0n);
    const pool = await viewPool(run, "listening");
    try {
      const stored = async () =>
        (
          await pool.query<{ sum: string | null }>(
            `select sum(next_offset)::text as sum from ${schema}.sink_offsets`,
          )
        ).rows[0]?.sum ?? "0";
      await eventually(stored, (s) => BigInt(s) >= total, 45_000);

      await eventually(health, (h) => h.status === 200, 10_000);
      expect(stderr).toMatch(new RegExp(`listening v${version}: recovered after \\d+ retries`));
      // The same process all along: it recovered, nobody restarted it.
      expect(sink.exitCode).toBeNull();
      expect(sink.signalCode).toBeNull();

      const { rows: offsets } = await pool.query(
        `select partition, next_offset from ${schema}.sink_offsets order by partition`,
      );
      // A partition that never had a record has no row yet: it is at 0.
      const at = new Map(offsets.map((r) => [r.partition as number, BigInt(r.next_offset)]));
      expect(ends.map((_, p) => at.get(p) ?? 0n)).toEqual(ends);
      expect(await count(pool)).toBe(sent);
      const { rows: counters } = await pool.query(
        `select track_id, count(*)::int as plays from ${schema}.plays group by track_id`,
      );
      expect(new Map(counters.map((r) => [r.track_id, r.plays]))).toEqual(expected);
    } finally {
      await pool.end();
    }
    const retries = stderr.match(/retrying in \d+ ms/g)?.length ?? 0;
    console.log(
      `postgres restart: ${sent} plays, ${sent - sentAtDown} from the shutdown on; the sink retried ${retries} times`,
    );
  }, 90_000);
});
