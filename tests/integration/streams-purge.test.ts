// Consumed repartition records are deleted once their offsets are committed, so an
// internal topic does not keep every record ever re-keyed (retention.ms is -1 on it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Serdes, StreamsBuilder } from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import {
  CountingInput,
  decodeLong,
  eventually,
  expectFinalCounts,
  readAll,
  valuesByKey,
} from "../support/streams.ts";

const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);

describe("repartition topics", () => {
  const admin = testAdmin();
  const input = uniqueName("purge-in");
  const output = uniqueName("purge-out");
  const applicationId = uniqueName("purge-app").replaceAll(".", "-");
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-purge-"));
  let feed: CountingInput;

  beforeAll(async () => {
    await admin.createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
    ]);
    feed = new CountingInput(input, keys);
  });
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([input, output, ...topics.filter((t) => t.startsWith(applicationId))]);
    await admin.close();
    await feed.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("are purged up to the committed offsets, and the counts stay exact", async () => {
    const builder = new StreamsBuilder();
    builder
      .stream<string, string>(input, { keySerde: Serdes.string(), valueSerde: Serdes.string() })
      .selectKey((key) => key) // a key change: the count reads a repartition topic
      .groupByKey({ keySerde: Serdes.string(), valueSerde: Serdes.string() })
      .count({ name: "counts" })
      .toStream()
      .to(output, { keySerde: Serdes.string(), valueSerde: Serdes.long() });
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: "exactly_once",
      stateDir,
      instanceId: "a",
      repartitionPurgeIntervalMs: 0,
    });
    const repartition = `${applicationId}-counts-repartition`;
    await app.start();
    try {
      for (let i = 0; i < 4; i++) await feed.produce(500);
      const counted = await eventually(
        async () => valuesByKey(await readAll(output), decodeLong),
        feed.counted,
      );
      expectFinalCounts(counted, feed.expected);
      const starts = await eventually(
        async () => (await admin.startOffsets(repartition)).reduce((a, b) => a + b, 0n),
        (start) => start > 0n,
        20_000,
      );
      const committed = await admin.committedOffsets(applicationId);
      const ends = await admin.endOffsets(repartition);
      const consumed = ends.reduce(
        (sum, _, partition) => sum + (committed.get(`${repartition}:${partition}`) ?? 0n),
        0n,
      );
      // Deleted, but never past what the group has committed as consumed.
      expect(starts).toBeGreaterThan(0n);
      expect(starts).toBeLessThanOrEqual(consumed);
    } finally {
      await app.stop();
    }
  }, 90_000);
});
