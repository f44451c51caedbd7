import { describe, expect, it } from "vitest";
import { incompatibilities } from "../../schemas/compatibility.ts";

const record = (fields: unknown[]) => ({
  type: "record",
  name: "Played",
  namespace: "vobemusic.test",
  fields,
});
const role = (symbols: string[]) => ({
  name: "actor",
  type: {
    type: "record",
    name: "Actor",
    namespace: "vobemusic.common",
    fields: [{ name: "role", type: { type: "enum", name: "Role", symbols } }],
  },
});
const id = { name: "trackId", type: { type: "string", logicalType: "uuid" } };
const messages = (
  previous: unknown,
  next: unknown,
  level: Parameters<typeof incompatibilities>[2],
) => incompatibilities(previous, next, level).map((i) => i.message);

describe("Avro compatibility rules", () => {
  it("let BACKWARD add an optional field with a default and remove a field", () => {
    const v1 = record([id, { name: "source", type: "string" }]);
    const v2 = record([id, { name: "note", type: ["null", "string"], default: null }]);
    expect(incompatibilities(v1, v2, "BACKWARD")).toEqual([]);
  });

  it("refuse under BACKWARD a field added without a default, naming it", () => {
    const v2 = record([id, { name: "email", type: "string" }]);
    expect(messages(record([id]), v2, "BACKWARD")).toEqual([
      "field `email` was added without a default, so old records, which lack it, cannot be read: BACKWARD requires the new schema to read every record written with the old one",
    ]);
  });

  it("refuse under FORWARD (and FULL) a removed field that has no default", () => {
    const v1 = record([id, { name: "email", type: "string" }]);
    const [forward] = messages(v1, record([id]), "FORWARD");
    expect(forward).toMatch(
      /^field `email` was removed, and the old schema gives it no default: FORWARD/,
    );
    expect(messages(v1, record([id]), "FULL")).toHaveLength(1);
    expect(messages(v1, record([id]), "BACKWARD")).toEqual([]);
  });

  it("accept Avro promotions and refuse narrowing, naming the field", () => {
    const asInt = record([{ name: "listenedMs", type: "int" }]);
    const asLong = record([{ name: "listenedMs", type: "long" }]);
    expect(incompatibilities(asInt, asLong, "BACKWARD")).toEqual([]);
    expect(messages(asLong, asInt, "BACKWARD")).toEqual([
      "field `listenedMs` changed type from long to int, which is not an Avro promotion: BACKWARD requires the new schema to read every record written with the old one",
    ]);
  });

  it("name the nested path of an enum symbol removed from the envelope", () => {
    const v1 = record([role(["listener", "system"])]);
    const v2 = record([role(["listener"])]);
    expect(messages(v1, v2, "BACKWARD")[0]).toMatch(
      /^enum symbol `system` of field `actor.role` was removed/,
    );
    expect(messages(v2, v1, "FORWARD")[0]).toMatch(
      /^enum symbol `system` was added to field `actor.role`/,
    );
    expect(incompatibilities(v2, v1, "BACKWARD")).toEqual([]);
  });

  it("let a field become optional under BACKWARD but not under FORWARD", () => {
    const required = record([{ name: "bio", type: "string" }]);
    const optional = record([{ name: "bio", type: ["null", "string"], default: null }]);
    expect(incompatibilities(required, optional, "BACKWARD")).toEqual([]);
    expect(messages(required, optional, "FORWARD")[0]).toMatch(/^field `bio` changed type/);
  });
});
