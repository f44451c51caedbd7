// Catching up from a backlog must cost the same per record whatever is pending (ADR-016).
// Nothing here is timed: the tests count the entries that range scans step over (the
// stores' scan-cost counters) or the byte comparisons a scan makes, and show they stay
// bounded while the number of uncommitted writes grows.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  JoinWindows,
  Serdes,
  SessionWindows,
  StreamsBuilder,
  TimeWindows,
  TopologyTestDriver,
  untilWindowCloses,
  windowedSerde,
} from "../../../processors/engine/index.ts";
import { TransactionalBytesStore } from "../../../processors/engine/runtime/transactional-store.ts";
import { createInMemoryBytesStore } from "../../../processors/engine/state/in-memory-bytes-store.ts";

const str = Serdes.string();
const long = Serdes.long();
const strings = { keySerde: str, valueSerde: str };
let driver: TopologyTestDriver | undefined;
afterEach(() => {
  driver?.close();
  driver = undefined;
  vi.restoreAllMocks();
});

const key = (i: number) => Buffer.from(`k${String(i).padStart(6, "0")}`);

describe("TransactionalBytesStore: an ordered overlay", () => {
  it("a range scan costs the entries inside it, not the writes pending elsewhere", () => {
    const store = new TransactionalBytesStore(createInMemoryBytesStore());
    for (let i = 0; i < 20_000; i++) store.base.put(key(i), Buffer.from("base"));
    for (let i = 0; i < 20_000; i += 2) store.put(key(i), Buffer.from("pending")); // uncommitted
    store.put(key(101), null); // an uncommitted delete

    const compare = vi.spyOn(Buffer, "compare");
    const visitedBefore = store.entriesVisited;
    const seen = [...store.range(key(100), key(103))].map(([k, v]) => `${k}=${v}`);

    expect(seen).toEqual(["k000100=pending", "k000102=pending", "k000103=base"]);
    // 4 overlay entries (one a delete) and 4 base entries: nothing else is touched.
    expect(store.entriesVisited - visitedBefore).toBeLessThanOrEqual(8);
    // An unordered overlay compared (filtered and sorted) every pending write: 10,001+.
    expect(compare.mock.calls.length).toBeLessThan(50);
  });

  it("reads its writes over the base in order; deletes hide; commit and abort", () => {
    const store = new TransactionalBytesStore(createInMemoryBytesStore());
    for (const k of ["a", "c", "e"]) store.base.put(Buffer.from(k), Buffer.from("0"));
    store.put(Buffer.from("b"), Buffer.from("1"));
    store.put(Buffer.from("c"), null);
    store.put(Buffer.from("f"), Buffer.from("1"));
    store.put(Buffer.from("f"), Buffer.from("2")); // latest write per key
    const all = () => [...store.range()].map(([k, v]) => `${k}=${v}`);
    expect(all()).toEqual(["a=0", "b=1", "e=0", "f=2"]);
    expect(store.get(Buffer.from("c"))).toBeUndefined();
    expect(store.pending().map((p) => `${p.key}=${p.value}`)).toEqual(["b=1", "c=null", "f=2"]);
    store.discardPending();
    expect(all()).toEqual(["a=0", "c=0", "e=0"]);
    store.put(Buffer.from("a"), null);
    for (const { key: k, value } of store.applyPending()) store.base.put(k, value);
    expect(all()).toEqual(["c=0", "e=0"]);
    expect(store.hasPending()).toBe(false);
  });

  it("iterates safely while the overlay changes under the scan", () => {
    const store = new TransactionalBytesStore(createInMemoryBytesStore());
    for (const k of ["a", "b", "c", "d"]) store.put(Buffer.from(k), Buffer.from(k));
    const seen: string[] = [];
    for (const [k] of store.range()) {
      seen.push(k.toString());
      store.put(k, null);
      if (k.toString() === "b") store.put(Buffer.from("bb"), Buffer.from("new"));
    }
    expect(seen).toEqual(["a", "b", "bb", "c", "d"]);
    expect([...store.range()]).toEqual([]);
  });
});

/** Entries the scans of `store` visited per record piped, over `n` records. */
function perRecord(store: string, n: number, pipe: (i: number) => void): number {
  const before = driver?.entriesVisited(store) ?? 0;
  for (let i = 0; i < n; i++) pipe(i);
  return ((driver?.entriesVisited(store) ?? 0) - before) / n;
}

describe("operators scan a bounded number of entries per record, however much is uncommitted", () => {
  it("suppress: walks only when a window may have closed, and never over what it emitted", () => {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .groupByKey()
      .windowedBy(TimeWindows.ofSize(10).grace(50_000))
      .count({ name: "counts" })
      .suppress(untilWindowCloses(), { name: "final" })
      .toStream()
      .to("out", { keySerde: windowedSerde(str), valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic("plays", str, str);
    const output = driver.createOutputTopic("out", windowedSerde(str), long);
    // 4,000 windows, ending 10 ms apart, all open (grace 50 s), committed to the buffer.
    for (let i = 0; i < 4_000; i++) input.pipeInput(`old-${i}`, "p", i * 10);
    driver.commit();
    expect(output.readKeyValuesToList()).toEqual([]);
    // Then each record closes the next committed window: its delete stays pending in the
    // buffer's overlay until the next commit, which does not come.
    const pipe = (i: number) => input.pipeInput(`new-${i}`, "p", 50_000 + i * 10);
    const early = perRecord("final-store", 500, pipe);
    const late = perRecord("final-store", 3_000, (i) => pipe(500 + i));
    expect(output.readKeyValuesToList()).toHaveLength(3_499);
    // The last window emitted (in the base and deleted above it), the one closing now and
    // the next open one, from the overlay and the base: a constant, early or late. A walk
    // from the start (over the interval's deletes) cost ~i per record: ~2,000 here.
    expect(early).toBeLessThanOrEqual(6);
    expect(late).toBeLessThanOrEqual(6);
  });

  it("window store expiry: amortized over the records, deletes of the interval included", () => {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .groupByKey()
      .windowedBy(TimeWindows.ofSize(10).grace(0))
      .count({ name: "counts" })
      .toStream()
      .to("out", { keySerde: windowedSerde(str), valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic("plays", str, str);
    // Retention is 10 ms: a whole-store expiry scan every 5 ms of stream time.
    const cost = perRecord("counts", 5_000, (i) => input.pipeInput(`t${i % 50}`, "p", i * 10));
    expect(cost).toBeLessThanOrEqual(3);
  });

  it("suppress: no walk at all while no buffered window can have closed", () => {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .groupByKey()
      .windowedBy(TimeWindows.ofSize(1_000_000).grace(0))
      .count({ name: "counts" })
      .suppress(untilWindowCloses(), { name: "final" })
      .toStream()
      .to("out", { keySerde: windowedSerde(str), valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic("plays", str, str);
    input.pipeInput("warm-up", "p", 0); // the first record learns the earliest close time
    expect(perRecord("final-store", 5_000, (i) => input.pipeInput(`t${i}`, "p", i))).toBe(0);
  });

  it("stream-stream left join: expiry and unmatched records cost O(1) per record", () => {
    const b = new StreamsBuilder();
    b.stream("clicks", strings)
      .leftJoin(b.stream("views", strings), (c, v) => `${c}/${v}`, JoinWindows.of(10), {
        name: "j",
      })
      .to("out", { valueSerde: str });
    driver = new TopologyTestDriver(b.build());
    const clicks = driver.createInputTopic("clicks", str, str);
    const views = driver.createInputTopic("views", str, str);
    const output = driver.createOutputTopic("out", str, str);
    const n = 3_000;
    for (let i = 0; i < n; i++) {
      clicks.pipeInput(`k${i % 100}`, `c${i}`, i * 5); // most never match
      if (i % 10 === 0) views.pipeInput(`k${i % 100}`, `v${i}`, i * 5);
    }
    expect(output.readKeyValuesToList().length).toBeGreaterThan(n * 0.8);
    // Scanning the buffers per record (expiry, closed unmatched records) cost ~n²/2.
    for (const store of ["j-this-store", "j-other-store", "j-unmatched-store"]) {
      expect(driver.entriesVisited(store), store).toBeLessThanOrEqual(5 * n);
    }
  });

  it("session windows: a record looks at its key's sessions only", () => {
    const b = new StreamsBuilder();
    b.stream("plays", strings)
      .groupByKey()
      .windowedBy(SessionWindows.withGap(5))
      .count({ name: "sessions" })
      .toStream()
      .to("out", { keySerde: windowedSerde(str), valueSerde: long });
    driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic("plays", str, str);
    const cost = perRecord("sessions", 4_000, (i) =>
      input.pipeInput(`u${i % 400}`, "p", Math.floor(i / 400) * 100),
    );
    expect(cost).toBeLessThanOrEqual(3);
  });
});
