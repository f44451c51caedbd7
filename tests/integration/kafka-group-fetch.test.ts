import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFetcher,
  createGroupMember,
  createProducer,
  type FetchPosition,
  type TopicPartition,
} from "../../platform/kafka/index.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";

const out = (topic: string, key: string, value: string) => ({
  topic,
  key: Buffer.from(key),
  value: Buffer.from(value),
});

const everything = (members: readonly string[], counts: ReadonlyMap<string, number>) => {
  const all: TopicPartition[] = [];
  for (const [topic, n] of counts)
    for (let partition = 0; partition < n; partition++) all.push({ topic, partition });
  return new Map(members.map((m, i) => [m, i === 0 ? all : []]));
};

describe("group membership and explicit-position fetching (what the streams runtime stands on)", () => {
  const admin = testAdmin();
  const topic = uniqueName("fetch");
  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  it("reads committed records only, skipping aborted transactions and markers, from any position", async () => {
    const producer = createProducer({
      brokers: brokers(),
      clientId: "t",
      transactionalId: uniqueName("tx"),
    });
    const ok = await producer.transaction();
    await ok.send([out(topic, "a", "1"), out(topic, "b", "2"), out(topic, "c", "3")]);
    await ok.commit();
    const bad = await producer.transaction();
    await bad.send([out(topic, "a", "aborted"), out(topic, "b", "aborted")]);
    await bad.abort();
    const ok2 = await producer.transaction();
    await ok2.send([out(topic, "a", "4")]);
    await ok2.commit();
    await producer.close();

    const fetcher = createFetcher({ brokers: brokers(), clientId: "t" });
    let positions: FetchPosition[] = [0, 1].map((partition) => ({ topic, partition, offset: 0n }));
    const values: string[] = [];
    for (let round = 0; round < 20; round++) {
      const fetched = await fetcher.fetch(positions, { maxWaitMs: 50 });
      for (const f of fetched) values.push(...f.records.map((r) => r.value?.toString() ?? ""));
      positions = fetched.map((f) => ({
        topic: f.topic,
        partition: f.partition,
        offset: f.nextOffset,
      }));
      if (fetched.every((f) => f.nextOffset >= f.lastStableOffset) && values.length >= 4) break;
    }
    await fetcher.close();
    expect(values.sort()).toEqual(["1", "2", "3", "4"]);
  });

  it("commits group offsets inside a transaction, and a new member starts from them", async () => {
    const groupId = uniqueName("group");
    const member = createGroupMember({
      brokers: brokers(),
      clientId: "m1",
      groupId,
      topics: [topic],
      assignor: everything,
    });
    await member.join();
    expect(
      member
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
    ).toEqual([0, 1]);
    expect((await member.committedOffsets(member.assignment())).size).toBe(0);

    const producer = createProducer({
      brokers: brokers(),
      clientId: "t",
      transactionalId: uniqueName("tx"),
    });
    const tx = await producer.transaction();
    await tx.sendGroupOffsets(member, [
      { topic, partition: 0, offset: 2n },
      { topic, partition: 1, offset: 3n },
    ]);
    await tx.commit();
    await producer.close();

    const committed = await member.committedOffsets(member.assignment());
    expect(committed.get(`${topic}\u00000`)).toBe(2n);
    expect(committed.get(`${topic}\u00001`)).toBe(3n);
    await member.leave();
  });

  it("refuses offsets from a member whose generation is gone (KIP-447 zombie fencing)", async () => {
    const groupId = uniqueName("group");
    const first = createGroupMember({
      brokers: brokers(),
      clientId: "m1",
      groupId,
      topics: [topic],
      assignor: everything,
    });
    await first.join();
    const stale = first.transactionalIdentity();
    // A second member joins: a new generation; the first member's old generation is stale.
    const second = createGroupMember({
      brokers: brokers(),
      clientId: "m2",
      groupId,
      topics: [topic],
      assignor: everything,
    });
    const rebalanced = new Promise<void>((resolve) => first.onAssignment(() => resolve()));
    await Promise.all([second.join(), rebalanced]);
    expect(first.generation().generationId).toBeGreaterThan(stale.generationId);

    const producer = createProducer({
      brokers: brokers(),
      clientId: "t",
      transactionalId: uniqueName("tx"),
    });
    const tx = await producer.transaction();
    await expect(
      tx.sendGroupOffsets(first, [{ topic, partition: 0, offset: 1n }], stale),
    ).rejects.toThrow();
    await tx.abort().catch(() => {});
    await producer.close().catch(() => {});
    await Promise.all([first.leave(), second.leave()]);
  });
});
