import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";
import {
  CountingInput,
  decodeLong,
  eventually,
  expectFinalCounts,
  readAll,
  valuesByKey,
} from "../support/streams.ts";

const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
// The runtime's default session timeout: a member the broker must wait out costs this long.
const sessionTimeoutMs = 10_000;

describe("a SIGKILLed instance replaced by one with the same instanceId", {
  timeout: 300_000,
}, () => {
  const admin = testAdmin();
  const input = uniqueName("takeover-in");
  const output = uniqueName("takeover-out");
  const applicationId = uniqueName("takeover-app").replaceAll(".", "-");
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-takeover-"));

  beforeAll(async () => {
    await admin.createTopics([
      { name: input, partitions: 6 },
      { name: output, partitions: 6 },
    ]);
  });
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([input, output, ...topics.filter((t) => t.startsWith(applicationId))]);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("processes again well within the session timeout (static membership), exactly once; a third joins and leaves", async () => {
    const start = (instanceId: string) =>
      spawnTs("tests/support/fixtures/count-app.ts", [
        brokers().join(","),
        applicationId,
        input,
        output,
        join(stateDir, instanceId),
        instanceId,
        "true",
      ]);
    const feed = new CountingInput(input, keys);
    let a = start("a");
    await waitForLine(a, "running");
    const b = start("b");
    await waitForLine(b, "running");
    await feed.produce(600);
    await eventually(
      async () => valuesByKey(await readAll(output), decodeLong),
      feed.counted,
      60_000,
    );

    // Every key (so every partition, both members' tasks) must be counted again.
    await killHard(a);
    const killedAt = performance.now();
    a = start("a");
    await feed.produce(240);
    await waitForLine(a, "running");
    const runningMs = performance.now() - killedAt;
    await eventually(
      async () => valuesByKey(await readAll(output), decodeLong),
      feed.counted,
      60_000,
    );
    const takeoverMs = performance.now() - killedAt;
    console.log(
      `takeover after SIGKILL: replacement running in ${Math.round(runningMs)} ms, all partitions counted again in ${Math.round(takeoverMs)} ms`,
    );
    // Without static membership the broker keeps the dead member until its session times out.
    expect(takeoverMs).toBeLessThan(sessionTimeoutMs * 0.6);

    // A third instance joins (a rebalance of all), then stops gracefully (it leaves the group).
    const joinedAt = performance.now();
    const c = start("c");
    await waitForLine(c, "running");
    await feed.produce(240);
    await eventually(
      async () => valuesByKey(await readAll(output), decodeLong),
      feed.counted,
      60_000,
    );
    const joinMs = performance.now() - joinedAt;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    const leftAt = performance.now();
    c.kill("SIGTERM");
    await exited;
    await feed.produce(240);
    const final = await eventually(
      async () => valuesByKey(await readAll(output), decodeLong),
      feed.counted,
      60_000,
    );
    const leaveMs = performance.now() - leftAt;
    console.log(
      `a third instance joining: all counted again ${Math.round(joinMs)} ms after its start; leaving (SIGTERM): ${Math.round(leaveMs)} ms`,
    );
    await feed.close();
    await Promise.all([killHard(a), killHard(b)]);

    expectFinalCounts(final, feed.expected);
    // A graceful stop leaves the group: the others do not wait out its session.
    expect(leaveMs).toBeLessThan(sessionTimeoutMs * 0.6);
  });
});
