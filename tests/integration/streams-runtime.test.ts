import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateManager } from "../../processors/engine/runtime/state-manager.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { countingTopology } from "../support/fixtures/counting-topology.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import {
  CountingInput,
  decodeLong,
  eventually,
  expectExactCounts,
  expectFinalCounts,
  readAll,
  valuesByKey,
} from "../support/streams.ts";

const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);

describe.each(["exactly_once", "at_least_once"] as const)(
  "the streams runtime (%s)",
  (guarantee) => {
    const admin = testAdmin();
    const input = uniqueName("rt-in");
    const output = uniqueName("rt-out");
    const stateDir = mkdtempSync(join(tmpdir(), "vobe-state-"));
    const applicationId = uniqueName("rt-app").replaceAll(".", "-");

    let feed: CountingInput;

    beforeAll(async () => {
      await admin.createTopics([
        { name: input, partitions: 3 },
        { name: output, partitions: 3 },
      ]);
      feed = new CountingInput(input, keys);
    });
    afterAll(async () => {
      const topics = await admin.listTopics();
      await admin.deleteTopics([
        input,
        output,
        ...topics.filter((t) => t.startsWith(applicationId)),
      ]);
      await admin.close();
      await feed.close();
      rmSync(stateDir, { recursive: true, force: true });
    });

    it("counts every record once and restores its state from the changelog after a restart", async () => {
      await feed.produce(2_000);
      const config = {
        applicationId,
        brokers: brokers(),
        processingGuarantee: guarantee,
        stateDir,
        instanceId: "a",
        // Every update written (no record cache): the outputs read exactly 1..n.
        cacheMaxBytes: 0,
      };
      const first = new StreamsApp(countingTopology(input, output, false), config);
      await first.start();
      const counted = await eventually(
        async () => valuesByKey(await readAll(output), decodeLong),
        feed.reached,
      );
      await first.stop();
      expectExactCounts(counted, feed.expected);

      // A new instance (in-memory stores: nothing local) restores the counts and continues them.
      await feed.produce(400);
      const second = new StreamsApp(countingTopology(input, output, false), config);
      await second.start();
      const restored = await eventually(
        async () => valuesByKey(await readAll(output), decodeLong),
        feed.reached,
      );
      await second.stop();
      expectExactCounts(restored, feed.expected);
    });

    it("with a persistent store, restores only the changelog's tail from its checkpoint, and all of it when local state is deleted", async () => {
      const lmdbApp = `${applicationId}-lmdb`;
      const lmdbOutput = `${output}-lmdb`;
      await admin.createTopics([{ name: lmdbOutput, partitions: 3 }]);
      const config = {
        applicationId: lmdbApp,
        brokers: brokers(),
        processingGuarantee: guarantee,
        stateDir,
        instanceId: "p",
      };
      const run = async () => {
        const app = new StreamsApp(countingTopology(input, lmdbOutput, true), config);
        let restored = 0;
        app.onRestore((p) => {
          if (p.done) restored += p.restored;
        });
        await app.start();
        const outputs = await eventually(
          async () => valuesByKey(await readAll(lmdbOutput), decodeLong),
          feed.counted,
        );
        await app.stop();
        expectFinalCounts(outputs, feed.expected); // record cache on
        return restored;
      };
      // The input already holds the first test's records: the new app counts them all.
      expect(await run()).toBe(0);
      await feed.produce(100);
      // The local checkpoint is valid: at most the last commit's records are restored.
      expect(await run()).toBeLessThanOrEqual(keys.length);
      await feed.produce(100);
      StateManager.deleteLocalState(stateDir, lmdbApp);
      // Local state gone: every key's latest count comes back from the changelog.
      expect(await run()).toBeGreaterThanOrEqual(keys.length);
      await admin.deleteTopics([lmdbOutput]);
    });
  },
);
