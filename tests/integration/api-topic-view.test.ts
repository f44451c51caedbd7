import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTopicView, type TopicView } from "../../api/state/topic-view.ts";
import { createFetcher, createProducer, type KafkaAdmin } from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";

// The view decodes with what its source gives it; JSON keeps this test about catching up.
const Added = { name: "test.Added", topic: "" } as unknown as EventType<{ n: number }>;

describe("a topic view's catch-up under many concurrent commands", () => {
  const topic = uniqueName("topic-view");
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-topic-view" });
  let lookups = 0;
  // The real admin, counting the end-offset lookups the view makes.
  const counting: KafkaAdmin = {
    ...admin,
    endOffsets: (...args) => {
      lookups += 1;
      return admin.endOffsets(...args);
    },
  };
  let view: TopicView<Set<number>>;

  beforeAll(async () => {
    await admin.createTopics([{ name: topic, partitions: 3 }]);
    view = createTopicView({
      name: "catch-up-test",
      topics: [topic],
      initial: new Set<number>(),
      source: {
        admin: counting,
        fetcher: (clientId) => createFetcher({ brokers: brokers(), clientId }),
        decode: async (value) => JSON.parse(value.toString()),
      },
    }).on(Added, (seen, e) => seen.add(e.n));
    await view.start();
  });
  afterAll(async () => {
    await view.close();
    await producer.close();
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  const write = (n: number) =>
    producer.send([
      {
        topic,
        key: Buffer.from(String(n)),
        value: Buffer.from(JSON.stringify({ n })),
        headers: new Map([[eventHeaders.eventType, Buffer.from(Added.name)]]),
      },
    ]);

  it("sees every record committed before each call", async () => {
    const commands = 300;
    lookups = 0;
    const missed: number[] = [];
    // Each command writes, then catches up and must see its own record (without `past`,
    // so only the end offsets fetched after its write can get it there).
    await Promise.all(
      Array.from({ length: commands }, async (_, n) => {
        await write(n);
        await view.catchUp();
        if (!view.state.has(n)) missed.push(n);
      }),
    );
    expect(missed).toEqual([]);
    expect(view.state.size).toBe(commands);
    // Shared: fewer lookups than calls, however the writes happened to spread out in time.
    expect(lookups).toBeLessThan(commands);
  });

  it("answers calls made together with at most two lookups: the one in flight and the next", async () => {
    lookups = 0;
    await Promise.all(Array.from({ length: 300 }, () => view.catchUp()));
    expect(lookups).toBeGreaterThanOrEqual(1);
    expect(lookups).toBeLessThanOrEqual(2);
  });

  it("answers a lone call with a lookup of its own", async () => {
    lookups = 0;
    await write(1000);
    await view.catchUp();
    expect(view.state.has(1000)).toBe(true);
    expect(lookups).toBe(1);
  });
});
