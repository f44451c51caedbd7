// The record cache (ADR-016): a key's updates between two commits go downstream once, with
// the value downstream last saw as the old value; eviction when full; the driver keeps
// forwarding per record unless it is given a cache.
import { afterEach, describe, expect, it } from "vitest";
import {
  type KeyValueStore,
  Serdes,
  StreamsBuilder,
  TimeWindows,
  TopologyTestDriver,
  untilWindowCloses,
  windowedSerde,
} from "../../../processors/engine/index.ts";
import { StateManager } from "../../../processors/engine/runtime/state-manager.ts";
import { RecordCache } from "../../../processors/engine/state/record-cache.ts";
import { Stores } from "../../../processors/engine/state/stores.ts";

const str = Serdes.string();
const long = Serdes.long();
const strings = { keySerde: str, valueSerde: str };
let driver: TopologyTestDriver | undefined;
afterEach(() => {
  driver?.close();
  driver = undefined;
});

function counts(options: { cacheMaxBytes?: number } = {}) {
  const b = new StreamsBuilder();
  b.stream("plays", strings)
    .groupByKey()
    .count({ name: "counts" })
    .toStream()
    .to("out", { valueSerde: long });
  driver = new TopologyTestDriver(b.build(), options);
  return {
    input: driver.createInputTopic("plays", str, str),
    output: driver.createOutputTopic("out", str, long),
    store: driver.getKeyValueStore<string, number>("counts"),
  };
}

describe("record cache", () => {
  it("without a cache (the driver's default), every update goes downstream", () => {
    const { input, output } = counts();
    for (let i = 0; i < 5; i++) input.pipeInput("hot", "p");
    expect(output.readValuesToList()).toEqual([1, 2, 3, 4, 5]);
  });

  it("a hot key updated thousands of times between commits sends one update", () => {
    const { input, output, store } = counts({ cacheMaxBytes: 1024 * 1024 });
    for (let i = 0; i < 5_000; i++) input.pipeInput(i % 100 === 0 ? `cold-${i}` : "hot", "p");
    expect(output.readKeyValuesToList()).toEqual([]); // held until the commit
    expect(store.get("hot")).toBe(4_950); // reads see the cache
    driver?.commit();
    const out = output.readKeyValuesToList();
    expect(out).toHaveLength(51);
    expect(out.filter(([k]) => k === "hot")).toEqual([["hot", 4_950]]);
    input.pipeInput("hot", "p");
    driver?.commit();
    driver?.commit(); // nothing new: nothing sent
    expect(output.readKeyValuesToList()).toEqual([["hot", 4_951]]);
  });

  it("a full cache evicts its least recently written keys downstream before the commit", () => {
    // ~100 bytes per entry: room for about three keys.
    const { input, output, store } = counts({ cacheMaxBytes: 300 });
    for (const key of ["a", "b", "c", "a", "d", "e"]) input.pipeInput(key, "p");
    const evicted = output.readKeyValuesToList();
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted[0]).toEqual(["b", 1]); // "a" was written again after "b"
    driver?.commit();
    const all = [...evicted, ...output.readKeyValuesToList()];
    const last = new Map(all);
    expect(Object.fromEntries(last)).toEqual({ a: 2, b: 1, c: 1, d: 1, e: 1 });
    expect(all).toHaveLength(5); // one record per key
    expect(store.get("a")).toBe(2);
  });

  it("old values are the values as of the last flush: a table groupBy subtracts right", () => {
    // plays per user (cached) → users per bucket (light < 3 plays ≤ heavy), which subtracts
    // a user's old count from its old bucket.
    const run = (cacheMaxBytes: number, commitEvery: number) => {
      const b = new StreamsBuilder();
      b.stream("plays", strings)
        .groupByKey()
        .count({ name: "plays-per-user" })
        .groupBy((user, plays) => [plays >= 3 ? "heavy" : "light", user], {
          keySerde: str,
          valueSerde: str,
        })
        .count({ name: "users-per-bucket" })
        .toStream()
        .to("buckets", { valueSerde: long });
      driver = new TopologyTestDriver(b.build(), { cacheMaxBytes });
      const input = driver.createInputTopic("plays", str, str);
      const output = driver.createOutputTopic("buckets", str, long);
      const users = "aaaaabbbbcabaccdcbdd".split(""); // a: 7, b: 6, c: 4, d: 3 plays
      users.forEach((user, i) => {
        input.pipeInput(user, "p");
        if ((i + 1) % commitEvery === 0) driver?.commit();
      });
      driver.commit();
      const records = output.readKeyValuesToList();
      const buckets = driver.getKeyValueStore<string, number>("users-per-bucket");
      const result = {
        records: records.length,
        heavy: buckets.get("heavy"),
        light: buckets.get("light") ?? 0, // never created when no user was ever light at a commit
      };
      driver.close();
      driver = undefined;
      return result;
    };
    const perRecord = run(0, 1);
    expect(perRecord).toMatchObject({ heavy: 4, light: 0 });
    for (const commitEvery of [2, 3, 7, 20]) {
      const cached = run(1024 * 1024, commitEvery);
      expect(cached, `commit every ${commitEvery}`).toMatchObject({ heavy: 4, light: 0 });
      expect(cached.records).toBeLessThan(perRecord.records);
    }
    // A cache so small it evicts on nearly every write gives the same table too.
    expect(run(120, 5)).toMatchObject({ heavy: 4, light: 0 });
  });

  it("windowed counts with suppress: the same final results, cache or not", () => {
    const run = (cacheMaxBytes: number) => {
      const b = new StreamsBuilder();
      b.stream("plays", strings)
        .groupByKey()
        .windowedBy(TimeWindows.ofSize(100).advanceBy(50).grace(20))
        .count({ name: "counts" })
        .suppress(untilWindowCloses())
        .toStream()
        .to("final", { keySerde: windowedSerde(str), valueSerde: long });
      driver = new TopologyTestDriver(b.build(), { cacheMaxBytes });
      const input = driver.createInputTopic("plays", str, str);
      const output = driver.createOutputTopic("final", windowedSerde(str), long);
      let seed = 7;
      const random = () => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      for (let i = 0; i < 2_000; i++) {
        const late = random() < 0.1 ? Math.floor(random() * 40) : 0;
        input.pipeInput(`t${Math.floor(random() * 7)}`, "p", i * 3 - late);
        if (random() < 0.05) driver.commit();
      }
      driver.commit();
      const out = output
        .readKeyValuesToList()
        .map(([w, n]) => `${w?.key}@${w?.start}=${n}`)
        .sort();
      driver.close();
      driver = undefined;
      return out;
    };
    const plain = run(0);
    expect(plain.length).toBeGreaterThan(100);
    expect(run(1024 * 1024)).toEqual(plain);
    expect(run(500)).toEqual(plain); // evicting all the time
  });

  it("the runtime's store: one changelog record per key per commit", () => {
    const state = new StateManager(
      "cache-test",
      { subtopology: 0, partition: 0 },
      "/tmp/unused",
      new RecordCache(1024 * 1024),
    );
    state.register(
      Stores.keyValue("counts", { keySerde: str, valueSerde: long, cached: true, logged: true }),
    );
    const store = state.typedStores.get("counts") as KeyValueStore<string, number>;
    for (let i = 1; i <= 1_000; i++) store.put("hot", i);
    store.put("other", 1);
    expect(state.changelogRecords()).toEqual([]); // still in the cache
    for (const cache of state.caches) cache.flush();
    const changelog = state.changelogRecords();
    expect(changelog.map((r) => [r.key?.toString(), r.value?.readBigInt64BE()])).toEqual([
      ["hot", 1_000n],
      ["other", 1n],
    ]);
    state.aborted();
    expect(store.get("hot")).toBeUndefined();
    state.close();
  });
});
