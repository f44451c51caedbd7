import { afterEach, describe, expect, it } from "vitest";
import { Serdes, StreamsBuilder, TopologyTestDriver } from "../../../processors/engine/index.ts";

const str = Serdes.string();
const long = Serdes.long();
const strings = { keySerde: str, valueSerde: str };
let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

describe("KGroupedStream aggregations", () => {
  it("count, reduce and aggregate per key emit every update and keep the store", () => {
    const b = new StreamsBuilder();
    const grouped = b.stream("in", strings).groupByKey();
    grouped.count({ name: "counts" }).toStream().to("counts", { valueSerde: long });
    grouped
      .reduce((a, v) => `${a}+${v}`, { name: "joined" })
      .toStream()
      .to("joined");
    grouped
      .aggregate(
        () => 0,
        (_k, v, total) => total + v.length,
        { name: "lengths", valueSerde: long },
      )
      .toStream()
      .to("lengths");
    driver = new TopologyTestDriver(b.build());
    driver.createInputTopic("in", str, str).pipeRecordList([
      { key: "a", value: "x" },
      { key: "b", value: "yy" },
      { key: "a", value: "zzz" },
    ]);
    expect(driver.createOutputTopic("counts", str, long).readKeyValuesToList()).toEqual([
      ["a", 1],
      ["b", 1],
      ["a", 2],
    ]);
    expect(driver.createOutputTopic("joined", str, str).readValuesToList()).toEqual([
      "x",
      "yy",
      "x+zzz",
    ]);
    expect(driver.createOutputTopic("lengths", str, long).readValuesToList()).toEqual([1, 2, 4]);
    expect(driver.getKeyValueStore<string, number>("counts").get("a")).toBe(2);
  });

  it("skips records without a key and counts them as dropped", () => {
    const b = new StreamsBuilder();
    b.stream("in", strings).groupByKey().count({ name: "counts" });
    driver = new TopologyTestDriver(b.build());
    driver.createInputTopic("in", str, str).pipeInput(null, "v");
    expect(driver.droppedRecords({ reason: "null-key" })).toBe(1);
  });
});

describe("repartitioning on a key change", () => {
  function build() {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .selectKey((_user, track) => track)
      .groupByKey({ keySerde: str })
      .count({ name: "plays-per-track" })
      .toStream()
      .to("track-counts", { valueSerde: long });
    return b.build();
  }

  it("declares the repartition topic and splits the sub-topologies there", () => {
    const topology = build();
    expect(topology.internalTopics).toEqual([
      { name: "plays-per-track-repartition", kind: "repartition", partitionsLike: ["plays"] },
    ]);
    expect(topology.subtopologies.map((s) => s.sourceTopics)).toEqual([
      ["plays"],
      ["plays-per-track-repartition"],
    ]);
    expect(topology.subtopologies[1]?.stores.map((s) => s.name)).toEqual(["plays-per-track"]);
    const description = topology.describe();
    expect(description).toContain("Sub-topology: 1");
    expect(description).toContain(
      "Sink: plays-per-track-repartition-sink (topic: plays-per-track-repartition)",
    );
  });

  it("counts by the new key through the internal topic", () => {
    driver = new TopologyTestDriver(build(), { applicationId: "app" });
    driver.createInputTopic("plays", str, str).pipeRecordList([
      { key: "u1", value: "t1" },
      { key: "u2", value: "t1" },
      { key: "u1", value: "t2" },
    ]);
    expect(driver.createOutputTopic("track-counts", str, long).readKeyValuesToList()).toEqual([
      ["t1", 1],
      ["t1", 2],
      ["t2", 1],
    ]);
    expect(driver.producedRecords("plays-per-track-repartition")[0]?.topic).toBe(
      "app-plays-per-track-repartition",
    );
  });

  it("groupBy always repartitions; groupByKey without a key change does not", () => {
    const b = new StreamsBuilder();
    const s = b.stream("in", strings);
    s.groupByKey().count({ name: "by-key" });
    s.groupBy((_k, v) => v, { name: "by-value", keySerde: str }).count({ name: "by-value-count" });
    const topology = b.build();
    expect(topology.internalTopics.map((t) => t.name)).toEqual(["by-value-repartition"]);
  });

  it("names operators deterministically, so two builds describe the same topology", () => {
    expect(build().describe()).toBe(build().describe());
  });
});

describe("KTable", () => {
  it("filter, mapValues and toStream follow updates and deletes (tombstones)", () => {
    const b = new StreamsBuilder();
    b.table("users", { ...strings, storeName: "users" })
      .filter((_k, v) => v !== "banned")
      .mapValues((v) => v.toUpperCase())
      .toStream()
      .to("visible", { valueSerde: str });
    driver = new TopologyTestDriver(b.build());
    const users = driver.createInputTopic("users", str, str);
    users.pipeInput("u1", "ann");
    users.pipeInput("u1", "banned");
    users.pipeInput("u2", "bob");
    users.pipeInput("u2", null);
    expect(driver.createOutputTopic("visible", str, str).readKeyValuesToList()).toEqual([
      ["u1", "ANN"],
      ["u1", null],
      ["u2", "BOB"],
      ["u2", null],
    ]);
    expect(driver.getKeyValueStore<string, string>("users").get("u1")).toBe("banned");
  });

  it("groupBy + count subtracts the old value when a row moves between groups", () => {
    const b = new StreamsBuilder();
    b.table("users", strings)
      .groupBy((user, country) => [country, user] as [string, string], {
        valueSerde: str,
        keySerde: str,
      })
      .count({ name: "users-per-country" })
      .toStream()
      .to("per-country", { valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const users = driver.createInputTopic("users", str, str);
    users.pipeInput("u1", "FR");
    users.pipeInput("u2", "FR");
    users.pipeInput("u1", "DE");
    users.pipeInput("u2", null);
    const final = driver.createOutputTopic("per-country", str, long).readKeyValuesToMap();
    expect(final).toEqual(
      new Map([
        ["FR", 0],
        ["DE", 1],
      ]),
    );
    expect(driver.getKeyValueStore<string, number>("users-per-country").get("FR")).toBe(0);
  });

  it("groupBy + aggregate uses adder and subtractor; toTable reads a stream as upserts", () => {
    const b = new StreamsBuilder();
    b.stream("scores", { keySerde: str, valueSerde: long })
      .toTable({ name: "scores" })
      .groupBy((_player, score) => ["all", score] as [string, number], {
        keySerde: str,
        valueSerde: long,
      })
      .aggregate(
        () => 0,
        (_k, v, total) => total + v,
        (_k, v, total) => total - v,
        { name: "total", valueSerde: long },
      );
    driver = new TopologyTestDriver(b.build());
    const scores = driver.createInputTopic("scores", str, long);
    scores.pipeInput("p1", 10);
    scores.pipeInput("p2", 5);
    scores.pipeInput("p1", 3);
    expect(driver.getKeyValueStore<string, number>("total").get("all")).toBe(8);
    expect(driver.getKeyValueStore<string, number>("scores").get("p1")).toBe(3);
  });
});
