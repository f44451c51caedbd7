import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Serdes,
  StreamsBuilder,
  TimeWindows,
  TopologyTestDriver,
  windowedSerde,
} from "../../../processors/engine/index.ts";

const str = Serdes.string();

/**
 * The obvious computation: walk the records in order, keep the max timestamp, and count
 * a record in each window holding it unless stream time has reached end + grace.
 */
function reference(records: Array<[string, number]>, size: number, advance: number, grace: number) {
  const counts = new Map<string, number>();
  let dropped = 0;
  let streamTime = -1;
  for (const [key, ts] of records) {
    streamTime = Math.max(streamTime, ts);
    for (let start = 0; start <= ts; start += advance) {
      if (ts >= start + size) continue;
      if (streamTime >= start + size + grace) {
        dropped += 1;
        continue;
      }
      const id = `${key}@${start}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return { counts, dropped };
}

describe("windowed count (property)", () => {
  it("matches a reference computation on random, out-of-order input", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 200 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 30 }),
        (records, size, advanceSeed, grace) => {
          const advance = ((advanceSeed - 1) % size) + 1;
          const b = new StreamsBuilder();
          b.stream("in", { keySerde: str, valueSerde: str })
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(size).advanceBy(advance).grace(grace))
            .count({ name: "counts", retentionMs: 10_000 })
            .toStream()
            .to("out", { keySerde: windowedSerde(str), valueSerde: Serdes.long() });
          const driver = new TopologyTestDriver(b.build());
          try {
            const input = driver.createInputTopic("in", str, str);
            for (const [key, ts] of records) input.pipeInput(key, "x", ts);
            const actual = new Map<string, number>();
            const out = driver.createOutputTopic("out", windowedSerde(str), Serdes.long());
            for (const [w, n] of out.readKeyValuesToList())
              actual.set(`${w?.key}@${w?.start}`, n as number);
            const expected = reference(records, size, advance, grace);
            expect(actual).toEqual(expected.counts);
            expect(driver.droppedRecords({ reason: "late" })).toBe(expected.dropped);
          } finally {
            driver.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
