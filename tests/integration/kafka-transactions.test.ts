import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  brokerErrorNames,
  createConsumer,
  createProducer,
  type InRecord,
  isFenced,
} from "../../platform/kafka/index.ts";
import { brokers, readTopic, testAdmin, uniqueName } from "../support/kafka.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";

const out = (topic: string, key: string, value: string) => ({
  topic,
  key: Buffer.from(key),
  value: Buffer.from(value),
});

describe("Kafka transactions on the single-node broker", { timeout: 300_000 }, () => {
  const admin = testAdmin();
  const input = uniqueName("tx-in");
  const output = uniqueName("tx-out");

  beforeAll(async () => {
    await admin.createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
    ]);
  });
  afterAll(async () => {
    await admin.deleteTopics([input, output]);
    await admin.close();
  });

  it("shows committed records and hides aborted ones from a read_committed reader", async () => {
    const producer = createProducer({
      brokers: brokers(),
      clientId: "vobe-tests",
      transactionalId: uniqueName("txid"),
    });
    const committed = await producer.transaction();
    await committed.send([out(output, "a", "kept-1"), out(output, "b", "kept-2")]);
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send([out(output, "a", "dropped-1"), out(output, "c", "dropped-2")]);
    await aborted.abort();
    await producer.close();

    const seen = await readTopic(output, 2, { settleMs: 1500 });
    expect(seen.map((r) => r.value?.toString()).sort()).toEqual(["kept-1", "kept-2"]);
    // A read_uncommitted reader does see the aborted records: they are in the log.
    const raw = await readTopic(output, 4, { isolation: "read_uncommitted" });
    expect(raw.map((r) => r.value?.toString()).sort()).toEqual([
      "dropped-1",
      "dropped-2",
      "kept-1",
      "kept-2",
    ]);
  });

  it("commits consumed offsets atomically with the outputs (consume-transform-produce)", async () => {
    const plain = createProducer({ brokers: brokers(), clientId: "vobe-tests" });
    await plain.send([out(input, "x", "1"), out(input, "y", "2"), out(input, "z", "3")]);
    await plain.close();

    const groupId = uniqueName("ctp");
    const txid = uniqueName("txid");
    const transform = async (abort: boolean) => {
      const consumer = createConsumer({
        brokers: brokers(),
        clientId: "ctp",
        groupId,
        maxWaitMs: 100,
      });
      const producer = createProducer({
        brokers: brokers(),
        clientId: "ctp",
        transactionalId: txid,
      });
      const batch: InRecord[] = [];
      for await (const record of consumer.records([input])) {
        batch.push(record);
        if (batch.length === 3) break;
      }
      const tx = await producer.transaction();
      await tx.send(
        batch.map((r) => out(output, r.key?.toString() ?? "", `x${r.value?.toString()}`)),
      );
      await tx.sendOffsets(consumer, batch);
      if (abort) await tx.abort();
      else await tx.commit();
      await producer.close();
      await consumer.close();
      return batch.length;
    };
    // An aborted attempt leaves the group's offsets where they were: the records are read again.
    expect(await transform(true)).toBe(3);
    expect(await transform(false)).toBe(3);

    const outputs = (await readTopic(output, 5, { settleMs: 1500 }))
      .map((r) => r.value?.toString())
      .filter((v) => v?.startsWith("x"));
    expect(outputs.sort()).toEqual(["x1", "x2", "x3"]);

    // The group now starts after the three records: nothing is read twice.
    const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests" });
    await producer.send([out(input, "w", "4")]);
    await producer.close();
    const consumer = createConsumer({
      brokers: brokers(),
      clientId: "ctp",
      groupId,
      maxWaitMs: 100,
    });
    for await (const record of consumer.records([input])) {
      expect(record.value?.toString()).toBe("4");
      break;
    }
    await consumer.close();
  });

  it("fences a zombie: the older producer with the same transactional id cannot commit", async () => {
    const txid = uniqueName("zombie");
    const zombie = createProducer({
      brokers: brokers(),
      clientId: "zombie",
      transactionalId: txid,
    });
    const zombieTx = await zombie.transaction();
    await zombieTx.send([out(output, "z", "zombie-before")]);

    const successor = createProducer({
      brokers: brokers(),
      clientId: "successor",
      transactionalId: txid,
    });
    const tx = await successor.transaction();
    await tx.send([out(output, "s", "successor")]);
    await tx.commit();

    const zombieCommit = (async () => {
      await zombieTx.send([out(output, "z", "zombie-after")]);
      await zombieTx.commit();
    })();
    const fenced = await zombieCommit.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(fenced, "the zombie's commit must fail").toBeDefined();
    expect(isFenced(fenced), `fenced, not: ${brokerErrorNames(fenced).join(", ")}`).toBe(true);
    await zombie.close().catch(() => {});
    await successor.close();

    const values = (await readTopic(output, 1, { settleMs: 1500 })).map((r) => r.value?.toString());
    expect(values).toContain("successor");
    expect(values).not.toContain("zombie-before");
    expect(values).not.toContain("zombie-after");
  });

  it("lets a restarted producer take over its transactional id after a crash mid-transaction", async () => {
    const topic = uniqueName("tx-crash");
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    try {
      const txid = uniqueName("crash");
      const child = spawnTs("tests/support/fixtures/tx-then-hang.ts", [
        brokers().join(","),
        txid,
        topic,
      ]);
      await waitForLine(child, "sent");
      await killHard(child);

      // The restart: same transactional id, a new process. Initialising it aborts the
      // crashed transaction instead of fencing the newcomer.
      const restarted = createProducer({
        brokers: brokers(),
        clientId: "restarted",
        transactionalId: txid,
      });
      const tx = await restarted.transaction();
      await tx.send([out(topic, "k", "from-the-restarted-producer")]);
      await tx.commit();
      await restarted.close();

      const committed = await readTopic(topic, 1, { settleMs: 1500 });
      expect(committed.map((r) => r.value?.toString())).toEqual(["from-the-restarted-producer"]);
      const everything = await readTopic(topic, 2, { isolation: "read_uncommitted" });
      expect(everything.map((r) => r.value?.toString())).toContain("from-the-crashed-producer");
    } finally {
      await admin.deleteTopics([topic]);
    }
  });

  it("ends an empty transaction without asking the broker (which would refuse it)", async () => {
    const producer = createProducer({
      brokers: brokers(),
      clientId: "empty",
      transactionalId: uniqueName("empty"),
    });
    await (await producer.transaction()).abort();
    await (await producer.transaction()).commit();
    const tx = await producer.transaction();
    await tx.send([out(output, "e", "after-empty")]);
    await tx.commit();
    await producer.close();
    const values = (await readTopic(output, 1, { settleMs: 500 })).map((r) => r.value?.toString());
    expect(values).toContain("after-empty");
  });

  it("commits a transaction larger than the broker's batch limit (1 MiB), whole and in order", async () => {
    const topic = uniqueName("tx-big");
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    try {
      const producer = createProducer({
        brokers: brokers(),
        clientId: "big",
        transactionalId: uniqueName("big"),
      });
      const tx = await producer.transaction();
      const records = Array.from({ length: 3_000 }, (_, i) =>
        out(topic, "k", `${i}:${"x".repeat(1_000)}`),
      );
      const positions = await tx.send(records);
      await tx.commit();
      await producer.close();
      expect(positions.map((p) => p.offset)).toEqual(records.map((_, i) => BigInt(i)));
      const read = await readTopic(topic, 3_000, { settleMs: 500, timeoutMs: 30_000 });
      expect(read.map((r) => Number(r.value?.toString().split(":")[0]))).toEqual(
        records.map((_, i) => i),
      );
    } finally {
      await admin.deleteTopics([topic]);
    }
  });
});
