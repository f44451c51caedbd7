import { afterAll, describe, expect, it } from "vitest";
import { createFetcher, createProducer, type OutRecord } from "../../platform/kafka/index.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { readAll } from "../support/streams.ts";

/**
 * What the kill proof (proof-kill-processors-and-sinks) found: a read_committed reader
 * returned records of an aborted transaction. A partition holds one aborted transaction
 * per SIGKILL of the processors (the restart's producer, same transactional id and so
 * the same producer id, aborts what its predecessor left open); a fetch that returns two
 * of them keeps the first one's records. @platformatic/kafka 2.12.1 filters aborted
 * ranges with one range per producer id (the last), and platform/kafka/fetcher.ts relies
 * on that filter. Every reader goes through the fetcher: the engine's input and its store
 * restores (a play id of an aborted transaction restored into the dedup store makes the
 * play's redo a "duplicate": the play is lost), the sinks, and the API's views.
 */
describe("a read_committed fetch over several aborted transactions of one producer", () => {
  const admin = testAdmin();
  const topics: string[] = [];
  afterAll(async () => {
    await admin.deleteTopics(topics);
    await admin.close();
  });

  const values = async (topic: string) => {
    const fetcher = createFetcher({ brokers: brokers(), clientId: "vobe-tests-read-committed" });
    try {
      const [part] = await fetcher.fetch([{ topic, partition: 0, offset: 0n }]);
      return { one: part?.records.map((r) => r.value?.toString()), all: await readAll(topic) };
    } finally {
      await fetcher.close();
    }
  };

  it("returns none of their records, aborted by the producer itself", async () => {
    const topic = uniqueName("read-committed-aborts");
    topics.push(topic);
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const producer = createProducer({
      brokers: brokers(),
      clientId: "vobe-tests",
      transactionalId: `${topic}-tx`,
    });
    const record = (value: string): OutRecord => ({
      topic,
      partition: 0,
      key: Buffer.from("k"),
      value: Buffer.from(value),
    });
    try {
      await producer.initTransactions();
      for (const [value, abort] of [
        ["committed-1", false],
        ["aborted-1", true],
        ["committed-2", false],
        ["aborted-2", true],
        ["committed-3", false],
      ] as const) {
        const tx = await producer.transaction();
        await tx.send([record(value)]);
        if (abort) await tx.abort();
        else await tx.commit();
      }
    } finally {
      await producer.close();
    }
    const { one, all } = await values(topic);
    expect(one).toEqual(["committed-1", "committed-2", "committed-3"]);
    expect(all.map((r) => r.value?.toString())).toEqual([
      "committed-1",
      "committed-2",
      "committed-3",
    ]);
  });

  it("returns none of their records, aborted by restarts that fenced a killed predecessor", async () => {
    const topic = uniqueName("read-committed-fenced");
    topics.push(topic);
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const transactionalId = `${topic}-tx`;
    const record = (value: string): OutRecord => ({
      topic,
      partition: 0,
      key: Buffer.from("k"),
      value: Buffer.from(value),
    });
    const incarnation = () =>
      createProducer({ brokers: brokers(), clientId: "vobe-tests", transactionalId });
    // Each incarnation commits one transaction, then "dies" with another one open; the
    // next one's initTransactions aborts it, as a restart after SIGKILL does.
    const dead = [];
    for (let i = 1; i <= 3; i++) {
      const producer = incarnation();
      await producer.initTransactions();
      const committed = await producer.transaction();
      await committed.send([record(`committed-${i}`)]);
      await committed.commit();
      const open = await producer.transaction();
      await open.send([record(`open-${i}`)]);
      dead.push(producer);
    }
    const last = incarnation();
    await last.initTransactions();
    await last.close();
    for (const producer of dead) await producer.close().catch(() => {});

    const { one, all } = await values(topic);
    expect(one).toEqual(["committed-1", "committed-2", "committed-3"]);
    expect(all.map((r) => r.value?.toString())).toEqual([
      "committed-1",
      "committed-2",
      "committed-3",
    ]);
  });
});
