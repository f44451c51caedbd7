import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Pool } from "../../platform/postgres/pool.ts";
import { FeedbackSubmitted } from "../../schemas/generated/feedback.ts";
import {
  dropViewVersion,
  rebuildView,
  rollbackView,
  swapView,
  verifyView,
} from "../../sinks/admin.ts";
import { listVersions, versionSchema } from "../../sinks/engine/index.ts";
import { feedbackView } from "../../sinks/postgres/feedback/view.ts";
import {
  BuildCancelled,
  createSinkRuntime,
  type ServedSinks,
  serveSinks,
} from "../../sinks/runtime.ts";
import { cliEnv } from "../support/platform-children.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  sinkTestRun,
  testEvents,
  viewPool,
} from "../support/sinks-fixtures.ts";

const run = promisify(execFile);

/**
 * The operator's view commands against the real stack: a swap never puts a stale version
 * live (it catches up first), rollback goes back to the newest retired version, a rebuild
 * stopped half-way resumes from its positions, and a command on a version that does not
 * exist fails and says so.
 */
describe("vobe sinks: rebuild, swap, rollback, drop", () => {
  const endpoints = inject("endpoints");
  const testRun = sinkTestRun(endpoints, "admin");
  const views = [feedbackView];
  const placement = { topicPrefix: testRun.topicPrefix, schemaPrefix: testRun.schemaPrefix };
  const base = `${testRun.schemaPrefix}feedback`;
  const runtime = createSinkRuntime(testRun.endpoints, "vobe-tests-sinks-admin");
  const { producer, events } = testEvents(testRun);
  const lines: string[] = [];
  const options = { placement, log: (line: string) => lines.push(line) };
  let served: ServedSinks | undefined;
  let pool: Pool;
  let sent = 0;

  const submit = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const feedbackId = randomUUID();
      await events.publish(
        prefixed(testRun, FeedbackSubmitted),
        feedbackId,
        { feedbackId, userId: null, category: "bug", message: `m${sent}`, page: null },
        context,
      );
      sent++;
    }
  };
  const rowsIn = async (version: number) => {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from ${versionSchema(base, version)}.items`,
    );
    return rows[0]?.n;
  };
  const states = async () =>
    (await listVersions(pool, base)).map((v) => `v${v.version}:${v.state}`).join(" ");

  beforeAll(async () => {
    await applyTopics(testRun, views);
    pool = await viewPool(testRun, feedbackView.database);
    await submit(20);
  }, 120_000);

  afterAll(async () => {
    await served?.stop();
    await producer.close();
    await runtime.close();
    await pool?.end();
    await cleanup(testRun, views);
  });

  it("a version built earlier is caught up before it goes live", async () => {
    served = await serveSinks(runtime, views, { ...placement, watchMs: 300 });
    const built = await rebuildView(testRun.endpoints, "feedback", { ...options, swap: false });
    expect(built.version).toBe(2);
    expect(await rowsIn(2)).toBe(20);
    // The live v1 goes on; v2, left aside, reads nothing more.
    await submit(15);
    await served.sinks()[0]?.catchUp(30_000);
    expect(await rowsIn(1)).toBe(35);
    expect(await rowsIn(2)).toBe(20);

    await swapView(testRun.endpoints, "feedback", 2, options);
    // At the moment it became live it had every record of before the swap.
    expect(await rowsIn(2)).toBe(35);
    expect(await states()).toBe("v1:retired v2:live");
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from ${base}.items`,
    );
    expect(rows[0]?.n).toBe(35);
  }, 180_000);

  it("rollback swaps back to the newest retired version, caught up", async () => {
    await submit(5);
    const back = await rollbackView(testRun.endpoints, "feedback", options);
    expect(back).toBe(1);
    expect(await states()).toBe("v1:live v2:retired");
    expect(await rowsIn(1)).toBe(40);
  }, 180_000);

  it("a stopped rebuild keeps its positions and resumes from them", async () => {
    const stop = new AbortController();
    let firstProgress: { done: bigint; total: bigint } | undefined;
    const cancelled = await rebuildView(testRun.endpoints, "feedback", {
      ...options,
      swap: false,
      version: 3,
      signal: stop.signal,
      progress: (p) => {
        firstProgress ??= p;
        stop.abort();
      },
    }).catch((error: unknown) => error);
    expect(cancelled).toBeInstanceOf(BuildCancelled);
    expect(firstProgress?.total).toBe(40n);
    expect(await states()).toBe("v1:live v2:retired v3:building");

    lines.length = 0;
    await rebuildView(testRun.endpoints, "feedback", { ...options, swap: false, version: 3 });
    expect(lines[0]).toMatch(/^feedback: v3 resumes from its positions \(\d+ of 40 records read\)/);
    expect(await rowsIn(3)).toBe(40);
  }, 180_000);

  it("verify: the live version equals a fresh fold; a tampered row is named, both ways", async () => {
    const same = await verifyView(testRun.endpoints, "feedback", options);
    expect(same).toMatchObject({ view: "feedback", live: 1, differences: [] });
    expect(same.tables).toBeGreaterThan(0);
    // The fresh version is gone again.
    expect(await states()).toBe("v1:live v2:retired v3:building");

    await pool.query(
      `update ${versionSchema(base, 1)}.items set message = 'tampered' where message = 'm3'`,
    );
    const tampered = await verifyView(testRun.endpoints, "feedback", options);
    expect(tampered.differences).toEqual([
      expect.objectContaining({ table: "items", onlyLive: 1, onlyFresh: 1 }),
    ]);
    expect(tampered.differences[0]?.examples.join("\n")).toMatch(/live only: .*tampered/);
    await pool.query(
      `update ${versionSchema(base, 1)}.items set message = 'm3' where message = 'tampered'`,
    );
  }, 180_000);

  it("refuses what does not exist or is live, and changes nothing", async () => {
    const before = await states();
    await expect(dropViewVersion(testRun.endpoints, "feedback", 9, options)).rejects.toThrow(
      "feedback has no version 9; its versions: v1 (live), v2 (retired), v3 (building)",
    );
    await expect(swapView(testRun.endpoints, "feedback", 9, options)).rejects.toThrow(
      /feedback has no version 9/,
    );
    await expect(
      rebuildView(testRun.endpoints, "feedback", { ...options, swap: false, version: 1 }),
    ).rejects.toThrow(/v1 is live; a rebuild makes a new version/);
    await expect(dropViewVersion(testRun.endpoints, "feedback", 1, options)).rejects.toThrow(
      /is live; swap first/,
    );
    expect(await states()).toBe(before);
  }, 120_000);

  it("the command line: a clear message and exit 1, never a stack trace", async () => {
    const env = {
      ...process.env,
      ...cliEnv({ ...testRun.endpoints, databaseUrl: endpoints.databaseUrl }, {}),
    };
    const failed = await run(
      "./vobe",
      [
        "sinks",
        "drop",
        "feedback",
        "9",
        "--reason",
        "cleaning up a test",
        "--prefix",
        testRun.topicPrefix,
        "--schema-prefix",
        testRun.schemaPrefix,
      ],
      { env },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    const { stdout, stderr } = failed as { stdout: string; stderr: string };
    expect(stderr.trim()).toBe(
      "vobe: feedback has no version 9; its versions: v1 (live), v2 (retired), v3 (building)",
    );
    expect(stdout).not.toMatch(/dropped/);
    const unexplained = await run("./vobe", ["sinks", "drop", "feedback", "2"], { env }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(unexplained).toMatchObject({ code: 1 });
    expect((unexplained as { stderr: string }).stderr).toMatch(/say why with --reason/);

    const status = await run(
      "./vobe",
      [
        "sinks",
        "status",
        "--json",
        "--prefix",
        testRun.topicPrefix,
        "--schema-prefix",
        testRun.schemaPrefix,
      ],
      { env },
    );
    const feedback = (
      JSON.parse(status.stdout) as {
        versions: Array<{ view: string; version: number; state: string; behind: number | null }>;
      }
    ).versions.filter((v) => v.view === "feedback");
    // Retired versions are listed, not measured: nothing reads for them.
    expect(feedback.map((v) => [v.version, v.state, v.behind])).toEqual([
      [1, "live", 0],
      [2, "retired", null],
      [3, "building", 0],
    ]);
  }, 120_000);
});
