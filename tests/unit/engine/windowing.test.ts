import { afterEach, describe, expect, it } from "vitest";
import {
  Serdes,
  SessionWindows,
  StreamsBuilder,
  TimeWindows,
  TopologyTestDriver,
  untilWindowCloses,
  windowedSerde,
} from "../../../processors/engine/index.ts";

const str = Serdes.string();
const long = Serdes.long();
const strings = { keySerde: str, valueSerde: str };
const wkey = windowedSerde(str);
let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function windowedCounts(windows: TimeWindows, suppress = false) {
  const b = new StreamsBuilder();
  let counts = b
    .stream("plays", strings)
    .groupByKey()
    .windowedBy(windows)
    .count({ name: "counts" });
  if (suppress) counts = counts.suppress(untilWindowCloses());
  counts.toStream().to("out", { keySerde: wkey, valueSerde: long });
  driver = new TopologyTestDriver(b.build());
  const input = driver.createInputTopic("plays", str, str);
  const output = driver.createOutputTopic("out", wkey, long);
  return {
    pipe: (key: string, ts: number) => input.pipeInput(key, "p", ts),
    read: () =>
      output.readKeyValuesToList().map(([w, n]) => `${w?.key}@${w?.start}-${w?.end}=${n}`),
  };
}

describe("time windows", () => {
  it("tumbling: counts per key and window; late within grace counts, after grace is dropped and counted", () => {
    const { pipe, read } = windowedCounts(TimeWindows.ofSize(10).grace(5));
    pipe("a", 1);
    pipe("a", 12); // stream time 12
    pipe("a", 8); // late, window [0,10) closes at 15: accepted
    pipe("a", 15); // stream time 15: [0,10) is now closed
    pipe("a", 9); // too late: dropped
    expect(read()).toEqual(["a@0-10=1", "a@10-20=1", "a@0-10=2", "a@10-20=2"]);
    expect(driver?.droppedRecords({ reason: "late" })).toBe(1);
    expect(driver?.getWindowStore<string, number>("counts").fetch("a", 0)).toBe(2);
  });

  it("hopping: a record counts in every window that holds it, none starting before 0", () => {
    const { pipe, read } = windowedCounts(TimeWindows.ofSize(10).advanceBy(5));
    pipe("a", 7);
    pipe("a", 12);
    expect(read()).toEqual(["a@0-10=1", "a@5-15=1", "a@5-15=2", "a@10-20=1"]);
  });

  it("suppress(untilWindowCloses) emits each window's final count once, when it closes", () => {
    const { pipe, read } = windowedCounts(TimeWindows.ofSize(10).grace(5), true);
    pipe("a", 1);
    pipe("b", 3);
    pipe("a", 4);
    pipe("a", 12);
    expect(read()).toEqual([]);
    pipe("a", 14); // 14 < 10 + 5: still open
    expect(read()).toEqual([]);
    pipe("c", 15); // stream time 15 closes [0,10)
    expect(read()).toEqual(["a@0-10=2", "b@0-10=1"]);
    pipe("c", 30);
    expect(read()).toEqual(["a@10-20=2", "c@10-20=1"]);
  });
});

describe("session windows", () => {
  function sessions() {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .groupByKey()
      .windowedBy(SessionWindows.withGap(10))
      .count({ name: "sessions" })
      .toStream()
      .to("out", { keySerde: wkey, valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic("plays", str, str);
    const output = driver.createOutputTopic("out", wkey, long);
    return {
      pipe: (ts: number) => input.pipeInput("u", "p", ts),
      read: () => output.readKeyValuesToList().map(([w, n]) => `${w?.start}-${w?.end}=${n}`),
    };
  }

  it("a record within the gap extends the session", () => {
    const { pipe, read } = sessions();
    pipe(0);
    pipe(5);
    pipe(30);
    expect(read()).toEqual(["0-0=1", "0-0=null", "0-5=2", "30-30=1"]);
  });

  it("a record bridging two sessions merges them, retracting both", () => {
    const { pipe, read } = sessions();
    pipe(0);
    pipe(18);
    pipe(9); // within 10 of both
    expect(read()).toEqual(["0-0=1", "18-18=1", "0-0=null", "18-18=null", "0-18=3"]);
    const store = driver?.getSessionStore<string, number>("sessions");
    expect(
      [...(store?.findSessions("u", 0, 100) ?? [])].map(([w, n]) => [w.start, w.end, n]),
    ).toEqual([[0, 18, 3]]);
  });

  it("suppress emits a session only after end + gap + grace", () => {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .groupByKey()
      .windowedBy(SessionWindows.withGap(10).grace(2))
      .count()
      .suppress(untilWindowCloses())
      .toStream()
      .to("out", { keySerde: wkey, valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic("plays", str, str);
    const output = driver.createOutputTopic("out", wkey, long);
    input.pipeInput("u", "p", 0);
    input.pipeInput("u", "p", 5);
    input.pipeInput("v", "p", 17);
    expect(output.isEmpty()).toBe(true);
    input.pipeInput("v", "p", 18); // 18 > 5 + 10 + 2
    expect(output.readKeyValuesToList().map(([w, n]) => [w?.key, w?.start, w?.end, n])).toEqual([
      ["u", 0, 5, 2],
    ]);
  });
});
