import { describe, expect, it } from "vitest";
import { murmur2, partitionFor } from "../../platform/kafka/partitioner.ts";

// murmur2 values from Apache Kafka's own UtilsTest, so our partitions match Java
// producers, Kafka Streams and ksqlDB writing to the same topics.
const javaMurmur2: Array<[string, number]> = [
  ["21", -973932308],
  ["foobar", -790332482],
  ["a-little-bit-long-string", -985981536],
  ["a-little-bit-longer-string", -1486304829],
  ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
  ["abc", 479470107],
];

describe("partitionFor", () => {
  it.each(javaMurmur2)("puts %s where the Java client does", (key, murmur) => {
    for (const partitions of [1, 3, 7, 12, 100]) {
      expect(partitionFor(Buffer.from(key), partitions)).toBe((murmur & 0x7fffffff) % partitions);
    }
  });

  it("sends keyless records to partition 0", () => {
    expect(partitionFor(null, 6)).toBe(0);
  });
});

describe("murmur2", () => {
  it.each(javaMurmur2)("hashes %s as Java does", (key, expected) => {
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });
});
