import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProducer, type OutRecord } from "../../platform/kafka/index.ts";
import { brokers, readTopic, testAdmin, uniqueName } from "../support/kafka.ts";

// A produce the broker refuses (here: a time more than an hour ahead, which Kafka 4
// refuses by default) must fail that call only: the producer goes on with the next one.
describe("a producer after the broker refused one of its sends", () => {
  const admin = testAdmin();
  const topic = uniqueName("producer-recovery");
  const plain = createProducer({ brokers: brokers(), clientId: "vobe-tests-recovery" });
  const transactional = createProducer({
    brokers: brokers(),
    clientId: "vobe-tests-recovery-tx",
    transactionalId: `${topic}-tx`,
    restartAfterRefusedSend: true,
  });

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 1 }]);
  });
  afterAll(async () => {
    await plain.close();
    await transactional.close();
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  const record = (value: string, ahead = 0): OutRecord => ({
    topic,
    key: Buffer.from("k"),
    value: Buffer.from(value),
    timestamp: BigInt(Date.now() + ahead),
  });
  const twoHours = 2 * 3_600_000;

  it("plain: the refused send rejects, the next sends are written", async () => {
    await plain.send([record("plain-before")]);
    await expect(plain.send([record("plain-refused", twoHours)])).rejects.toThrow();
    await plain.send([record("plain-after-1")]);
    await plain.send([record("plain-after-2")]);
  });

  it("transactional: the refused transaction aborts, the next ones commit", async () => {
    const refused = await transactional.transaction();
    await expect(refused.send([record("tx-refused", twoHours)])).rejects.toThrow();
    await refused.abort().catch(() => {});
    for (const value of ["tx-after-1", "tx-after-2"]) {
      const tx = await transactional.transaction();
      await tx.send([record(value)]);
      await tx.commit();
    }
  });

  it("leaves exactly the accepted records in the log, in order", async () => {
    const read = await readTopic(topic, 5, { settleMs: 500 });
    expect(read.map((r) => r.value?.toString())).toEqual([
      "plain-before",
      "plain-after-1",
      "plain-after-2",
      "tx-after-1",
      "tx-after-2",
    ]);
  });
});
