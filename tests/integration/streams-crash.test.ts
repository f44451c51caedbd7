import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
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

const keys = Array.from({ length: 25 }, (_, i) => `key-${i}`);

// With the record cache on (the runtime's default): a key's counts between two commits go
// out as one, and what is flushed belongs to the transaction of its commit.
describe.each([false, true])(
  "exactly-once through SIGKILL, record cache on (persistent stores: %s)",
  { timeout: 300_000 },
  (persistent) => {
    const admin = testAdmin();
    const input = uniqueName("crash-in");
    const output = uniqueName("crash-out");
    const applicationId = uniqueName("crash-app").replaceAll(".", "-");
    const stateDir = mkdtempSync(join(tmpdir(), "vobe-crash-"));

    beforeAll(async () => {
      await admin.createTopics([
        { name: input, partitions: 3 },
        { name: output, partitions: 3 },
      ]);
    });
    afterAll(async () => {
      const topics = await admin.listTopics();
      await admin.deleteTopics([
        input,
        output,
        ...topics.filter((t) => t.startsWith(applicationId)),
      ]);
      await admin.close();
      rmSync(stateDir, { recursive: true, force: true });
    });

    it("is killed mid-transaction several times and still writes every count exactly once", async () => {
      const start = () =>
        spawnTs("tests/support/fixtures/count-app.ts", [
          brokers().join(","),
          applicationId,
          input,
          output,
          stateDir,
          "crashy",
          String(persistent),
        ]);
      const feed = new CountingInput(input, keys);

      let child = start();
      await waitForLine(child, "running");
      for (let kill = 0; kill < 4; kill++) {
        // Input keeps arriving while the app runs; the kill lands while it commits.
        for (let i = 0; i < 6; i++) {
          await feed.produce(150);
          await sleep(60);
        }
        await killHard(child);
        child = start();
        await waitForLine(child, "running");
      }
      await feed.produce(500);
      await feed.close();

      const outputs = await eventually(
        async () => valuesByKey(await readAll(output), decodeLong),
        feed.counted,
        90_000,
      );
      await killHard(child);

      // Counted independently from the input: every key's outputs rise strictly to n.
      expect(feed.total).toBe(4 * 6 * 150 + 500);
      expectFinalCounts(outputs, feed.expected);
      // The cache folded updates: fewer outputs than input records.
      const written = [...outputs.values()].reduce((n, v) => n + v.length, 0);
      expect(written).toBeLessThan(feed.total);
    });
  },
);
