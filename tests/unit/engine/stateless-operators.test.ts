import { afterEach, describe, expect, it } from "vitest";
import {
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  Serdes,
  Stores,
  type StreamRecord,
  StreamsBuilder,
  TopologyTestDriver,
} from "../../../processors/engine/index.ts";

const str = Serdes.string();
const strings = { keySerde: str, valueSerde: str };
let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function run(build: (builder: StreamsBuilder) => void) {
  const builder = new StreamsBuilder();
  build(builder);
  driver = new TopologyTestDriver(builder.build());
  return {
    input: driver.createInputTopic("in", str, str),
    output: (topic = "out") => (driver as TopologyTestDriver).createOutputTopic(topic, str, str),
  };
}

describe("stateless KStream operators", () => {
  it("filter and filterNot keep or drop by predicate", () => {
    const { input, output } = run((b) => {
      const s = b.stream("in", strings);
      s.filter((_, v) => v.startsWith("a")).to("out");
      s.filterNot((_, v) => v.startsWith("a")).to("rest");
    });
    input.pipeRecordList([
      { key: "k", value: "apple" },
      { key: "k", value: "pear" },
    ]);
    expect(output().readValuesToList()).toEqual(["apple"]);
    expect(output("rest").readValuesToList()).toEqual(["pear"]);
  });

  it("map, mapValues, selectKey change keys and values", () => {
    const { input, output } = run((b) => {
      const s = b.stream("in", strings);
      s.map((k, v) => [v, k] as [string, string]).to("out", strings);
      s.mapValues((v, k) => `${k}:${v.toUpperCase()}`).to("values", { valueSerde: str });
      s.selectKey((_, v) => v.length.toString()).to("keys", { keySerde: str });
    });
    input.pipeInput("k", "abc");
    expect(output().readKeyValue()).toEqual(["abc", "k"]);
    expect(output("values").readKeyValue()).toEqual(["k", "k:ABC"]);
    expect(output("keys").readKeyValue()).toEqual(["3", "abc"]);
  });

  it("flatMap and flatMapValues emit any number of records", () => {
    const { input, output } = run((b) => {
      const s = b.stream("in", strings);
      s.flatMapValues((v) => v.split(",")).to("out", { valueSerde: str });
      s.flatMap((k, v) => v.split(",").map((w) => [w, k] as [string, string])).to(
        "swapped",
        strings,
      );
    });
    input.pipeInput("k", "a,b");
    input.pipeInput("k", "");
    expect(output().readValuesToList()).toEqual(["a", "b", ""]);
    expect(output("swapped").readKeyValuesToList()).toEqual([
      ["a", "k"],
      ["b", "k"],
      ["", "k"],
    ]);
  });

  it("split routes to the first matching branch, then the default; branch returns an array", () => {
    const { input, output } = run((b) => {
      const s = b.stream("in", strings);
      const branches = s
        .split()
        .branch((_, v) => v.length < 3, { name: "short" })
        .branch((_, v) => v.length < 6, { name: "medium" })
        .defaultBranch({ name: "long" });
      branches.short?.to("short");
      branches.medium?.to("medium");
      branches.long?.to("long");
      const [x] = s.branch((_, v) => v.includes("x"));
      x?.to("with-x");
    });
    input.pipeRecordList(["ab", "abcd", "abcdefgx"].map((value) => ({ key: "k", value })));
    expect(output("short").readValuesToList()).toEqual(["ab"]);
    expect(output("medium").readValuesToList()).toEqual(["abcd"]);
    expect(output("long").readValuesToList()).toEqual(["abcdefgx"]);
    expect(output("with-x").readValuesToList()).toEqual(["abcdefgx"]);
  });

  it("merge interleaves two streams; peek and foreach see every record", () => {
    const seen: string[] = [];
    const { input } = run((b) => {
      const a = b.stream("in", strings);
      const c = b.stream("in2", strings);
      a.merge(c)
        .peek((_, v) => seen.push(`peek:${v}`))
        .foreach((_, v) => seen.push(`each:${v}`));
    });
    input.pipeInput("k", "1");
    (driver as TopologyTestDriver).createInputTopic("in2", str, str).pipeInput("k", "2");
    expect(seen).toEqual(["peek:1", "each:1", "peek:2", "each:2"]);
  });

  it("keeps timestamps, and auto-advances them when none is given", () => {
    const { input, output } = run((b) => b.stream("in", strings).to("out"));
    input.pipeInput("k", "a", 500);
    input.pipeInput("k", "b");
    input.pipeInput("k", "c");
    expect(
      output()
        .readRecordsToList()
        .map((r) => r.timestamp),
    ).toEqual([500, 0, 1]);
  });

  it("uses the timestamp extractor and the partitioner given", () => {
    const { input, output } = run((b) =>
      b
        .stream("in", { ...strings, timestampExtractor: (_k, v) => Number(v) })
        .to("out", { partitioner: () => 0 }),
    );
    input.pipeInput("k", "1234", 1);
    expect(output().readRecord().timestamp).toBe(1234);
  });

  it("process() runs Processor API code with a store in the DSL", () => {
    class Dedupe implements Processor<string, string> {
      private ctx!: ProcessorContext<string, string>;
      init(ctx: ProcessorContext<string, string>) {
        this.ctx = ctx;
      }
      process(record: StreamRecord<string, string>) {
        const seen = this.ctx.getStateStore<KeyValueStore<string, number>>("seen");
        if (seen.get(record.value) !== undefined) return;
        seen.put(record.value, record.timestamp);
        this.ctx.forward(record);
      }
    }
    const { input, output } = run((b) => {
      b.addStateStore(Stores.keyValue("seen", { keySerde: str, valueSerde: Serdes.long() }));
      b.stream("in", strings)
        .process(() => new Dedupe(), ["seen"])
        .to("out", strings);
    });
    input.pipeRecordList(["a", "b", "a"].map((value) => ({ key: "k", value })));
    expect(output().readValuesToList()).toEqual(["a", "b"]);
    expect(driver?.getKeyValueStore<string, number>("seen").get("a")).toBe(0);
  });
});
