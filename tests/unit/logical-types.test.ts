import avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logicalTypes } from "../../platform/registry/logical-types.ts";

const type = avro.Type.forSchema(
  {
    type: "record",
    name: "Sample",
    fields: [
      { name: "id", type: { type: "string", logicalType: "uuid" } },
      { name: "parentId", type: ["null", { type: "string", logicalType: "uuid" }], default: null },
      { name: "at", type: { type: "long", logicalType: "timestamp-millis" } },
      { name: "day", type: { type: "int", logicalType: "date" } },
    ],
  },
  { logicalTypes },
);

const valid = {
  id: "0b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
  parentId: null,
  at: new Date("2025-11-26T10:15:30.123Z"),
  day: "2024-02-29",
};

describe("Avro logical types", () => {
  it("round-trip timestamps as Date, dates as YYYY-MM-DD and uuids as strings", () => {
    const decoded = type.fromBuffer(type.toBuffer(valid));
    expect(decoded).toEqual(valid);
    expect(decoded.at).toBeInstanceOf(Date);
  });

  it("put timestamp-millis on the wire as epoch milliseconds and date as days", () => {
    const plain = avro.Type.forSchema(type.schema() as avro.Schema);
    const raw = plain.fromBuffer(type.toBuffer(valid));
    expect(raw.at).toBe(valid.at.getTime());
    expect(raw.day).toBe(19_782);
  });

  it("round-trip every calendar day and millisecond in range", () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date("1900-01-01"), max: new Date("2200-12-31"), noInvalidDate: true }),
        fc.uuid(),
        (at, id) => {
          const value = { ...valid, id, at, day: at.toISOString().slice(0, 10) };
          expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
        },
      ),
    );
  });

  it("refuse an invalid uuid on encode, naming the value", () => {
    expect(() => type.toBuffer({ ...valid, id: "track-42" })).toThrow(
      'not a uuid: "track-42" (expected 8-4-4-4-12 hex digits)',
    );
    expect(() => type.toBuffer({ ...valid, parentId: "nope" })).toThrow();
  });

  it("refuse a date that is not a real YYYY-MM-DD day", () => {
    for (const day of ["2025-02-30", "2025-13-01", "26.11.2025", "2025-1-5"]) {
      expect(() => type.toBuffer({ ...valid, day })).toThrow(
        `not a calendar date: "${day}" (expected "YYYY-MM-DD")`,
      );
    }
  });

  it("refuse a timestamp that is not a valid Date", () => {
    expect(() => type.toBuffer({ ...valid, at: 1_700_000_000_000 })).toThrow(
      "not a valid Date for a timestamp-millis: 1700000000000",
    );
    expect(() => type.toBuffer({ ...valid, at: new Date("nonsense") })).toThrow(/not a valid Date/);
  });
});
