import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { StateManager } from "../../processors/engine/runtime/state-manager.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { countingTopology } from "../support/fixtures/counting-topology.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { decodeLong, eventually, readAll, valuesByKey } from "../support/streams.ts";

const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);

async function produceInput(
  topic: string,
  count: number,
  offset = 0,
): Promise<Map<string, number>> {
  const producer = createProducer({ brokers: brokers(), clientId: "input" });
  const expected = new Map<string, number>();
  const batch = [];
  for (let i = offset; i < offset + count; i++) {
    const key = keys[i % keys.length] as string;
    expected.set(key, (expected.get(key) ?? 0) + 1);
    batch.push({ topic, key: Buffer.from(key), value: Buffer.from(`v${i}`) });
  }
  for (let i = 0; i < batch.length; i += 500) await producer.send(batch.slice(i, i + 500));
  await producer.close();
  return expected;
}

/** Each key's outputs must read 1, 2, …, n: no repeat, no gap. */
function expectExactCounts(outputs: Map<string, number[]>, expected: Map<string, number>) {
  for (const [key, n] of expected) {
    expect(outputs.get(key), key).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  }
}

describe.each(["exactly_once", "at_least_once"] as const)(
  "the streams runtime (%s)",
  (guarantee) => {
    const admin = testAdmin();
    const input = uniqueName("rt-in");
    const output = uniqueName("rt-out");
    const stateDir = mkdtempSync(join(tmpdir(), "vobe-state-"));
    const applicationId = uniqueName("rt-app").replaceAll(".", "-");

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

    it("counts every record once and restores its state from the changelog after a restart", async () => {
      const expected = await produceInput(input, 2_000);
      const config = {
        applicationId,
        brokers: brokers(),
        processingGuarantee: guarantee,
        stateDir,
        instanceId: "a",
      };
      const first = new StreamsApp(countingTopology(input, output, false), config);
      await first.start();
      const done = (m: Map<string, number[]>) =>
        [...expected].every(([k, n]) => (m.get(k)?.length ?? 0) >= n);
      let outputs = await eventually(
        async () => valuesByKey(await readAll(output), decodeLong),
        done,
      );
      await first.stop();
      expectExactCounts(outputs, expected);

      // A new instance (in-memory stores: nothing local) restores the counts and continues them.
      const more = await produceInput(input, 400, 2_000);
      for (const [k, n] of more) expected.set(k, (expected.get(k) ?? 0) + n);
      const second = new StreamsApp(countingTopology(input, output, false), config);
      await second.start();
      outputs = await eventually(async () => valuesByKey(await readAll(output), decodeLong), done);
      await second.stop();
      expectExactCounts(outputs, expected);
      expect(second.metrics.registry).toBeDefined();
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
      const expected = new Map<string, number>();
      const add = (m: Map<string, number>) => {
        for (const [k, n] of m) expected.set(k, (expected.get(k) ?? 0) + n);
      };
      const run = async () => {
        const app = new StreamsApp(countingTopology(input, lmdbOutput, true), config);
        let restored = 0;
        app.onRestore((p) => {
          if (p.done) restored += p.restored;
        });
        await app.start();
        const done = (m: Map<string, number[]>) =>
          [...expected].every(([k, n]) => (m.get(k)?.length ?? 0) >= n);
        const outputs = await eventually(
          async () => valuesByKey(await readAll(lmdbOutput), decodeLong),
          done,
        );
        await app.stop();
        expectExactCounts(outputs, expected);
        return restored;
      };
      // The input topic already holds the first test's records: count them all.
      for (const [k, values] of valuesByKey(await readAll(input), (v) => v.toString()))
        expected.set(k, values.length);

      expect(await run()).toBe(0);
      add(await produceInput(input, 100, 5_000));
      // The local checkpoint is valid: at most the last commit's records are restored.
      expect(await run()).toBeLessThanOrEqual(keys.length);
      add(await produceInput(input, 100, 5_100));
      StateManager.deleteLocalState(stateDir, lmdbApp);
      // Local state gone: every key's latest count comes back from the changelog.
      expect(await run()).toBeGreaterThanOrEqual(keys.length);
      await admin.deleteTopics([lmdbOutput]);
    });
  },
);
