import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createFetcher,
  createFollower,
  createProducer,
  type FollowedBatch,
  type FollowerOptions,
  slotOf,
} from "../../platform/kafka/index.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";

// The loop under the API's check state, the live streams and the sinks
// (platform/kafka/follower.ts): where it starts, when its positions move, how it catches up.
describe("following a topic without a consumer group", () => {
  const topic = uniqueName("follower");
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-follower" });
  const send = (values: string[], partition = 0) =>
    producer.send(values.map((v) => ({ topic, partition, key: null, value: Buffer.from(v) })));
  const follower = (options: Partial<FollowerOptions> & Pick<FollowerOptions, "onBatch">) =>
    createFollower({
      name: "test",
      admin,
      fetcher: () => createFetcher({ brokers: brokers(), clientId: "vobe-tests-follower" }),
      topics: [topic],
      from: "earliest",
      maxWaitMs: 100,
      ...options,
    });
  const values = (batch: FollowedBatch) => batch.records.map((r) => r.record.value?.toString());

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    await send(["a", "b"]);
    await send(["c"], 1);
  });
  afterAll(async () => {
    await producer.close();
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  it("reads from offset 0, decodes what is wanted, and catches up to the ends", async () => {
    const seen: unknown[] = [];
    const f = follower({
      decode: {
        value: async (v) => {
          if (v.toString() === "c") throw new Error("not this one");
          return v.toString().toUpperCase();
        },
        wanted: (r) => r.value?.toString() !== "b",
      },
      onBatch: ({ records }) => {
        for (const r of records) seen.push(r.status === "decoded" ? r.value : r.status);
      },
    });
    await f.open();
    f.run();
    expect(await f.catchUp(await f.ends(), 10_000)).toBe(true);
    expect(seen.sort()).toEqual(["A", "raw", "undecodable"]);
    expect(f.positions()).toEqual(
      new Map([
        [slotOf(topic, 0), 2n],
        [slotOf(topic, 1), 1n],
      ]),
    );
    // A later end it cannot reach in time: false, not an exception.
    expect(await f.catchUp(new Map([[slotOf(topic, 0), 99n]]), 200)).toBe(false);
    await f.close();
  });

  it("from the end sees only what comes after its start", async () => {
    const seen: Array<string | undefined> = [];
    const f = follower({ from: "latest", onBatch: (b) => void seen.push(...values(b)) });
    await f.open();
    f.run();
    await send(["d"]);
    expect(await f.catchUp(await f.ends(), 10_000)).toBe(true);
    expect(seen).toEqual(["d"]);
    await f.close();
  });

  it("moves its positions only once the batch callback has returned", async () => {
    const batches: Array<Array<string | undefined>> = [];
    const errors: number[] = [];
    let recovered = 0;
    const f = follower({
      onBatch: (batch) => {
        batches.push(values(batch));
        if (batches.length === 1) throw new Error("the batch failed");
      },
      onError: (_error, attempt) => {
        errors.push(attempt);
        return 10;
      },
      onRecovered: (attempts) => {
        recovered = attempts;
      },
    });
    await f.open();
    f.run();
    expect(await f.catchUp(await f.ends(), 10_000)).toBe(true);
    await f.close();
    expect(errors).toEqual([0]);
    expect(recovered).toBe(1);
    // The failed batch is handed again, whole.
    const first = batches[0] ?? [];
    for (const value of first) expect(batches.flat().filter((v) => v === value)).toHaveLength(2);
  });

  it("after a failure it starts again from the positions the caller stored", async () => {
    // What a sink keeps with its rows: partition 0 is stored at offset 1 ("b" onwards).
    const stored = new Map([[slotOf(topic, 0), 1n]]);
    const handed: Array<string | undefined> = [];
    let lost = true;
    const f = follower({
      from: async () => stored,
      onBatch: (batch) => {
        handed.push(...values(batch));
        for (const p of batch.next) stored.set(slotOf(p.topic, p.partition), p.offset);
        if (lost) {
          lost = false;
          // The commit happened, but its answer was lost: only the store knows.
          throw new Error("connection lost at commit");
        }
      },
      onError: () => 10,
    });
    await f.open();
    f.run();
    expect(await f.catchUp(await f.ends(), 10_000)).toBe(true);
    await f.close();
    // Nothing before the stored offset, nothing twice, nothing skipped.
    expect(handed.sort()).toEqual(["b", "c", "d"]);
    expect(f.positions()).toEqual(stored);
    expect(stored).toEqual(await f.ends());
  });
});
