import { afterEach, describe, expect, it } from "vitest";
import {
  type KeyValueStore,
  Serdes,
  StreamsBuilder,
  TopologyTestDriver,
} from "../../../processors/engine/index.ts";
import { deduplicate } from "../../../processors/topologies/common.ts";

interface Event {
  id: string;
}

const MIN = 60_000;
let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function start(retentionMs: number, sweepIntervalMs?: number) {
  const builder = new StreamsBuilder();
  const events = builder.stream<string, Event>("events", {
    keySerde: Serdes.string(),
    valueSerde: Serdes.json<Event>(),
  });
  const distinct = deduplicate(builder, events, {
    name: "seen",
    idOf: (e) => e.id,
    retentionMs,
    ...(sweepIntervalMs === undefined ? {} : { sweepIntervalMs }),
  });
  distinct.to("distinct");
  distinct.groupByKey({ name: "by-key" }).count({ name: "counts" });
  const topology = builder.build();
  driver = new TopologyTestDriver(topology);
  const input = driver.createInputTopic("events", Serdes.string(), Serdes.json<Event>());
  const output = driver.createOutputTopic("distinct", Serdes.string(), Serdes.json<Event>());
  const seen = driver.getKeyValueStore<string, number>("seen") as KeyValueStore<string, number>;
  return { topology, input, output, seen, driver };
}

describe("deduplicate", () => {
  it("lets the first record of an id through and drops its copies", () => {
    const { input, output, driver } = start(10 * MIN);
    input.pipeInput("k", { id: "a" }, 1_000);
    input.pipeInput("k", { id: "b" }, 2_000);
    input.pipeInput("k", { id: "a" }, 3_000);
    input.pipeInput("other-key", { id: "b" }, 500); // another key, same task: still a copy
    expect(output.readKeyValuesToList()).toEqual([
      ["k", { id: "a" }],
      ["k", { id: "b" }],
    ]);
    expect(driver.getKeyValueStore<string, number>("counts").get("k")).toBe(2);
  });

  it("keeps the key: an aggregation after it does not repartition", () => {
    const { topology } = start(MIN);
    expect(topology.internalTopics.filter((t) => t.name.includes("repartition"))).toEqual([]);
  });

  it("forgets ids older than the retention in stream time, and deletes them in sweeps", () => {
    const { input, output, seen } = start(10 * MIN, MIN);
    input.pipeInput("k", { id: "a" }, 0);
    input.pipeInput("k", { id: "b" }, 5 * MIN);
    expect(seen.approximateNumEntries()).toBe(4); // id and time index of each
    // Stream time 10 min: "a" is exactly at the retention, still remembered.
    input.pipeInput("k", { id: "a" }, 10 * MIN);
    expect(output.readValuesToList()).toEqual([{ id: "a" }, { id: "b" }]);
    // Past it, "a" counts as new; "b" is still remembered.
    input.pipeInput("k", { id: "c" }, 10 * MIN + 1);
    input.pipeInput("k", { id: "a" }, 10 * MIN + 2);
    input.pipeInput("k", { id: "b" }, 10 * MIN + 3);
    expect(output.readValuesToList()).toEqual([{ id: "c" }, { id: "a" }]);
    // Sweeps (every minute of stream time) keep only what the retention covers.
    input.pipeInput("k", { id: "d" }, 60 * MIN);
    expect([...seen.all()].map(([k]) => k).filter((k) => k.startsWith("id:"))).toEqual(["id:d"]);
  });

  it("decides by age, not by when sweeps run: an expired id not yet swept counts as new", () => {
    const { input, output, seen } = start(10 * MIN, 60 * MIN);
    input.pipeInput("k", { id: "a" }, 0);
    input.pipeInput("k", { id: "x" }, 11 * MIN);
    expect(seen.get("id:a")).toBe(0); // no sweep yet
    input.pipeInput("k", { id: "a" }, 11 * MIN);
    expect(output.readValuesToList()).toEqual([{ id: "a" }, { id: "x" }, { id: "a" }]);
    expect(seen.get("id:a")).toBe(11 * MIN);
  });
});
