import { describe, expect, it } from "vitest";
import { Serdes, windowedSerde } from "../../../processors/engine/index.ts";

describe("Serdes", () => {
  it("round-trip values and keep null as null", () => {
    const cases: Array<
      [
        {
          serialize(v: never, t: string): Buffer | null;
          deserialize(b: Buffer | null, t: string): unknown;
        },
        unknown,
      ]
    > = [
      [Serdes.string(), "héllo"],
      [Serdes.json(), { a: [1, "x"] }],
      [Serdes.bytes(), Buffer.from([1, 2])],
      [Serdes.number(), -1.5],
      [Serdes.long(), -42],
      [Serdes.bigLong(), 2n ** 62n],
    ];
    for (const [serde, value] of cases) {
      expect(serde.deserialize(serde.serialize(value as never, "t"), "t")).toEqual(value);
      expect(serde.serialize(null as never, "t")).toBeNull();
      expect(serde.deserialize(null, "t")).toBeNull();
    }
  });

  it("write longs and numbers as Java does (8 bytes, big-endian)", () => {
    expect(Serdes.long().serialize(1, "t")).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    expect(Serdes.number().serialize(1, "t")).toEqual(Buffer.from("3ff0000000000000", "hex"));
    expect(() => Serdes.long().serialize(0.5, "t")).toThrow(/safe integer/);
  });

  it("windowed keys carry the inner key, start and end", () => {
    const serde = windowedSerde(Serdes.string());
    const w = { key: "k", start: 60_000, end: 120_000 };
    expect(serde.deserialize(serde.serialize(w, "t"), "t")).toEqual(w);
  });
});
