import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { brokers, readTopic, testAdmin, uniqueName } from "../support/kafka.ts";

const day = 86_400_000n;

// Back-dated plays (an offline device's queue) can span weeks in one command; the
// client writes record time as a delta that breaks past ±24.8 days (see chunksOf).
describe("records whose times are weeks apart, in one send", () => {
  const admin = testAdmin();
  const topic = uniqueName("timestamps");
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-timestamps" });
  const txProducer = createProducer({
    brokers: brokers(),
    clientId: "vobe-tests-timestamps-tx",
    transactionalId: `${topic}-tx`,
  });

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 1 }]);
  });
  afterAll(async () => {
    await producer.close();
    await txProducer.close();
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  const now = BigInt(Date.now());
  // The past only: Kafka 4 refuses times more than an hour ahead (message.timestamp.after.max.ms).
  const times = [now - 60n * day, now, now - 30n * day, now - 59n * day, now - 1n];
  const records = (tag: string) =>
    times.map((timestamp, i) => ({
      topic,
      key: Buffer.from("same-partition"),
      value: Buffer.from(`${tag}-${i}`),
      timestamp,
    }));

  it("are accepted and keep their own times, plain and in a transaction", async () => {
    await producer.send(records("plain"));
    const tx = await txProducer.transaction();
    await tx.send(records("tx"));
    await tx.commit();

    const read = await readTopic(topic, 2 * times.length, { settleMs: 300 });
    expect(read.map((r) => r.value?.toString())).toEqual([
      ...times.map((_, i) => `plain-${i}`),
      ...times.map((_, i) => `tx-${i}`),
    ]);
    expect(read.map((r) => r.timestamp)).toEqual([...times, ...times]);
  });
});
