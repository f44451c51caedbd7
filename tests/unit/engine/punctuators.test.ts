import { afterEach, describe, expect, it } from "vitest";
import {
  type KeyValueStore,
  type ProcessorContext,
  Serdes,
  Stores,
  StreamsBuilder,
  TopologyTestDriver,
} from "../../../processors/engine/index.ts";

const str = Serdes.string();
let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

/** Counts per key in a store and flushes the counts on a punctuator. */
function flushingCounter(type: "stream-time" | "wall-clock") {
  const b = new StreamsBuilder();
  b.addStateStore(Stores.keyValue("pending", { keySerde: str, valueSerde: Serdes.long() }));
  b.stream("in", { keySerde: str, valueSerde: str })
    .process<string, number>(() => {
      let store: KeyValueStore<string, number>;
      return {
        init(ctx: ProcessorContext<string, number>) {
          store = ctx.getStateStore("pending");
          ctx.schedule(100, type, (timestamp) => {
            for (const [key, count] of [...store.all()]) {
              ctx.forward({ key, value: count, timestamp, headers: new Map() });
              store.delete(key);
            }
          });
        },
        process(record) {
          store.put(record.key, (store.get(record.key) ?? 0) + 1);
        },
      };
    }, ["pending"])
    .to("out", { keySerde: str, valueSerde: Serdes.long() });
  driver = new TopologyTestDriver(b.build());
  return {
    input: driver.createInputTopic("in", str, str),
    output: driver.createOutputTopic("out", str, Serdes.long()),
  };
}

describe("punctuators", () => {
  it("stream-time punctuators fire as record timestamps pass each interval", () => {
    const { input, output } = flushingCounter("stream-time");
    input.pipeInput("a", "x", 10);
    input.pipeInput("a", "x", 50);
    expect(output.isEmpty()).toBe(true);
    input.pipeInput("b", "x", 100);
    expect(output.readRecordsToList()).toEqual([
      { key: "a", value: 2, timestamp: 100 },
      { key: "b", value: 1, timestamp: 100 },
    ]);
    driver?.advanceWallClockTime(1_000); // wall-clock time does not move stream time
    expect(output.isEmpty()).toBe(true);
  });

  it("wall-clock punctuators fire when the driver's clock advances", () => {
    const { input, output } = flushingCounter("wall-clock");
    input.pipeInput("a", "x", 5_000);
    expect(output.isEmpty()).toBe(true);
    driver?.advanceWallClockTime(99);
    expect(output.isEmpty()).toBe(true);
    driver?.advanceWallClockTime(1);
    expect(output.readKeyValuesToList()).toEqual([["a", 1]]);
  });
});
