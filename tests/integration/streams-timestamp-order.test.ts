// A task reading several partitions takes their records in timestamp order (Kafka
// Streams' PartitionGroup): a stream record meets the table as it was at its own time,
// whichever topic the fetch happened to return first.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { Serdes, StreamsBuilder } from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { eventually, readAll } from "../support/streams.ts";

describe("a task's input partitions", () => {
  const admin = testAdmin();
  const events = uniqueName("order-events");
  const users = uniqueName("order-users");
  const output = uniqueName("order-out");
  const applicationId = uniqueName("order-app").replaceAll(".", "-");
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-order-"));

  beforeAll(async () => {
    await admin.createTopics([
      { name: events, partitions: 1 },
      { name: users, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
  });
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([
      events,
      users,
      output,
      ...topics.filter((t) => t.startsWith(applicationId)),
    ]);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("are consumed in timestamp order across topics", async () => {
    // Written before the app starts, so one fetch returns both topics. Read topic by
    // topic, every event would meet the same tier (none, or the last one).
    const producer = createProducer({ brokers: brokers(), clientId: "order-input" });
    const at = Date.now() - 60_000;
    const record = (topic: string, value: string, t: number) => ({
      topic,
      key: Buffer.from("u1"),
      value: Buffer.from(value),
      timestamp: BigInt(at + t),
    });
    try {
      await producer.send([record(events, "e1", 200), record(events, "e2", 400)]);
      await producer.send([record(users, "gold", 100), record(users, "silver", 300)]);
    } finally {
      await producer.close();
    }

    const builder = new StreamsBuilder();
    const strings = { keySerde: Serdes.string(), valueSerde: Serdes.string() };
    const tiers = builder.table<string, string>(users, strings);
    builder
      .stream<string, string>(events, strings)
      .leftJoin(tiers, (event, tier) => `${event}:${tier ?? "none"}`)
      .to(output, strings);
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: "exactly_once",
      stateDir,
      instanceId: "a",
    });
    await app.start();
    try {
      const out = await eventually(
        async () => (await readAll(output)).map((r) => r.value?.toString()),
        (values) => values.length >= 2,
        30_000,
      );
      expect(out).toEqual(["e1:gold", "e2:silver"]);
    } finally {
      await app.stop();
    }
  }, 60_000);
});
