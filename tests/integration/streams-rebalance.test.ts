import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { countingTopology } from "../support/fixtures/counting-topology.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import {
  CountingInput,
  decodeLong,
  eventually,
  expectFinalCounts,
  readAll,
  valuesByKey,
} from "../support/streams.ts";

const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);

describe("several instances of one application", { timeout: 300_000 }, () => {
  const admin = testAdmin();
  const input = uniqueName("rb-in");
  const output = uniqueName("rb-out");
  const applicationId = uniqueName("rb-app").replaceAll(".", "-");
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-rebalance-"));

  beforeAll(async () => {
    await admin.createTopics([
      { name: input, partitions: 4 },
      { name: output, partitions: 4 },
    ]);
  });
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([input, output, ...topics.filter((t) => t.startsWith(applicationId))]);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("share the tasks, hand them over when one joins and when it leaves, and stay exact", async () => {
    const app = (instanceId: string) =>
      new StreamsApp(countingTopology(input, output, false), {
        applicationId,
        brokers: brokers(),
        processingGuarantee: "exactly_once",
        stateDir,
        instanceId,
        endpoint: `${instanceId}.example:8080`,
      });
    const feed = new CountingInput(input, keys);
    const produce = (n: number) => feed.produce(n);

    const first = app("first");
    await first.start();
    expect(first.localTasks()).toHaveLength(4);
    await produce(600);

    const second = app("second");
    const joining = second.start();
    // Input keeps flowing while the tasks move.
    while (second.state !== "running") {
      await produce(50);
      await sleep(100);
    }
    await joining;
    await eventually(
      async () => first.localTasks().length,
      (n) => n === 2,
      30_000,
    );
    expect(second.localTasks()).toHaveLength(2);

    // Interactive queries: each instance knows where every key lives.
    for (const key of keys.slice(0, 5)) {
      const meta = await first.metadataForKey("counts", Buffer.from(key));
      const owner = meta.local ? first : second;
      expect(meta.endpoint).toBe(meta.local ? "first.example:8080" : "second.example:8080");
      await eventually(
        async () => owner.keyValueStore<string, number>("counts").get(key),
        (v) => v !== undefined,
      );
    }

    await produce(600);
    await second.stop();
    for (let i = 0; i < 5; i++) {
      await produce(50);
      await sleep(100);
    }
    await feed.close();
    await eventually(
      async () => first.localTasks().length,
      (n) => n === 4,
      30_000,
    );

    const outputs = await eventually(
      async () => valuesByKey(await readAll(output), decodeLong),
      feed.counted,
      60_000,
    );
    expectFinalCounts(outputs, feed.expected);
    for (const [key, n] of feed.expected) {
      expect(first.keyValueStore<string, number>("counts").get(key)).toBe(n);
    }
    await first.stop();
  });
});
