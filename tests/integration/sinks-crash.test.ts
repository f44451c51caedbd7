import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Pool } from "../../platform/postgres/pool.ts";
import * as listening from "../../schemas/generated/listening.ts";
import { versionSchema } from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { testAdmin } from "../support/kafka.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  sinkTestRun,
  testEvents,
  viewPool,
} from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";

const run = sinkTestRun(inject("endpoints"), "crash");
const views = [listeningView];
const schema = versionSchema(`${run.schemaPrefix}listening`, listeningView.minVersion ?? 1);
const tracks = Array.from({ length: 12 }, () => randomUUID());

describe("a sink killed with SIGKILL mid-stream", { timeout: 300_000 }, () => {
  const { producer, events } = testEvents(run);
  const admin = testAdmin();
  let pool: Pool;

  beforeAll(async () => {
    await applyTopics(run, views);
    pool = await viewPool(run, "listening");
  });
  afterAll(async () => {
    await producer.close();
    await admin.close();
    await pool.end();
    await cleanup(run, views);
  });

  it("restarts from the positions it committed with the rows: every play once, offsets exact", async () => {
    const start = () =>
      spawnTs("tests/support/sinks-child.ts", [
        JSON.stringify(run.endpoints),
        run.schemaPrefix,
        run.topicPrefix,
      ]);
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
      await events.publishAll(batch as never);
    };

    let child = start();
    await waitForLine(child, "running");
    for (let kill = 0; kill < 4; kill++) {
      for (let i = 0; i < 6; i++) {
        await produceSome(200);
        await sleep(40);
      }
      await killHard(child);
      child = start();
      await waitForLine(child, "running");
    }
    await produceSome(300);

    const ends = await admin.endOffsets(type.topic, "read_committed");
    const total = ends.reduce((s, e) => s + e, 0n);
    const stored = async () =>
      (
        await pool.query<{ sum: string | null }>(
          `select sum(next_offset)::text as sum from ${schema}.sink_offsets`,
        )
      ).rows[0]?.sum ?? "0";
    await eventually(stored, (s) => BigInt(s) >= total, 60_000);
    await killHard(child);

    expect(sent).toBe(4 * 6 * 200 + 300);
    const { rows: offsets } = await pool.query(
      `select partition, next_offset from ${schema}.sink_offsets order by partition`,
    );
    // A partition that never had a record has no row yet: it is at 0.
    const at = new Map(offsets.map((r) => [r.partition as number, BigInt(r.next_offset)]));
    expect(ends.map((_, p) => at.get(p) ?? 0n)).toEqual(ends);
    const { rows: plays } = await pool.query(`select count(*)::int as n from ${schema}.plays`);
    expect(plays[0].n).toBe(sent);
    const { rows: counters } = await pool.query(
      `select track_id, count(*)::int as plays from ${schema}.plays group by track_id`,
    );
    expect(new Map(counters.map((r) => [r.track_id, r.plays]))).toEqual(expected);
  });
});
