import { describe, expect, it } from "vitest";
import { mapType, topicColumns } from "../../ops/export/columns.ts";
import {
  eventDate,
  isCommitted,
  parsePartFileName,
  partFileName,
  partPath,
} from "../../ops/export/layout.ts";
import { catalog } from "../../schemas/catalog.ts";

const column = (topic: string, name: string) => {
  const entry = catalog.find((t) => t.name === topic);
  if (!entry) throw new Error(topic);
  return topicColumns(entry).find((c) => c.name === name);
};

describe("export column types", () => {
  it("maps Avro types and logical types to DuckDB types", () => {
    expect(mapType("long").sql).toBe("BIGINT");
    expect(mapType("int").sql).toBe("INTEGER");
    expect(mapType({ type: "long", logicalType: "timestamp-millis" }).sql).toBe("TIMESTAMP");
    expect(mapType({ type: "int", logicalType: "date" }).sql).toBe("DATE");
    expect(mapType({ type: "string", logicalType: "uuid" }).sql).toBe("VARCHAR");
    expect(mapType({ type: "enum", name: "E", symbols: ["a", "b"] }).sql).toBe("VARCHAR");
    expect(mapType({ type: "array", items: "string" }).sql).toBe("VARCHAR[]");
    const nullable = mapType(["null", "string"]);
    expect(nullable).toMatchObject({ sql: "VARCHAR", nullable: true });
    expect(() => mapType(["null", "string", "long"])).toThrow(/only \["null", T\]/);
  });

  it("converts values: millis to a TIMESTAMP, days to a DATE (as DuckDB values and as JSON)", () => {
    const ts = mapType({ type: "long", logicalType: "timestamp-millis" }).convert(
      1_767_225_600_123,
    );
    expect(String(ts)).toBe("2026-01-01 00:00:00.123");
    const day = mapType({ type: "int", logicalType: "date" }).convert(20_454);
    expect(String(day)).toBe("2026-01-01");
    expect(mapType({ type: "long", logicalType: "timestamp-millis" }).json(1_767_225_600_123)).toBe(
      "2026-01-01T00:00:00.123Z",
    );
    expect(mapType({ type: "int", logicalType: "date" }).json(20_454)).toBe("2026-01-01");
    const trending = mapType({
      type: "array",
      items: {
        type: "record",
        name: "T",
        fields: [{ name: "at", type: { type: "long", logicalType: "timestamp-millis" } }],
      },
    });
    expect(trending.json([{ at: 0 }])).toEqual([{ at: "1970-01-01T00:00:00.000Z" }]);
  });

  it("flattens top-level records and keeps records in arrays as STRUCTs", () => {
    expect(column("listening.plays", "actor_userId")).toMatchObject({
      sql: "VARCHAR",
      nullable: true,
    });
    expect(column("listening.plays", "actor_role")).toMatchObject({
      sql: "VARCHAR",
      nullable: false,
    });
    expect(column("listening.plays", "occurredAt")).toMatchObject({ sql: "TIMESTAMP" });
    expect(column("listening.trending", "tracks")?.sql).toMatch(
      /^STRUCT\("trackId" VARCHAR, "plays" BIGINT.*\)\[\]$/,
    );
  });

  it("one column per field across a topic's event types, nullable when a type lacks it", () => {
    // userId is required in LoginSucceeded and optional in LoginFailed.
    expect(column("auth.logins", "userId")).toMatchObject({ sql: "VARCHAR", nullable: true });
    // reason is only in some event types of artist.tracks.
    expect(column("artist.tracks", "title")?.nullable).toBe(true);
    expect(column("artist.tracks", "trackId")?.nullable).toBe(false);
  });

  it("every catalog topic has a table (no conflicting field types)", () => {
    for (const entry of catalog) {
      const names = topicColumns(entry).map((c) => c.name);
      expect(new Set(names).size, entry.name).toBe(names.length);
    }
  });

  it("refuses two event types giving one column different types", () => {
    const a = {
      name: "A",
      namespace: "t",
      type: "record" as const,
      doc: "",
      fields: [{ name: "x", type: "int", doc: "" }],
    };
    const b = { ...a, name: "B", fields: [{ name: "x", type: "string", doc: "" }] };
    expect(() =>
      topicColumns({
        name: "t.t",
        events: [
          { name: "t.A", topic: "t.t", schema: a },
          { name: "t.B", topic: "t.t", schema: b },
        ],
      }),
    ).toThrow(/column x is INTEGER in one event type and VARCHAR in B/);
  });
});

describe("export layout", () => {
  it("names files by partition and offset range, and reads the names back", () => {
    const part = { partition: 3, from: 100n, to: 199n };
    expect(partFileName(part)).toBe("part-p0003-00000000000000000100-00000000000000000199.parquet");
    expect(parsePartFileName(partFileName(part))).toEqual(part);
    expect(parsePartFileName("part-p0003-1-2.parquet.tmp")).toBeUndefined();
    expect(partPath("/x", "listening.plays", "2026-01-02", part)).toBe(
      "/x/topic=listening.plays/event_date=2026-01-02/part-p0003-00000000000000000100-00000000000000000199.parquet",
    );
  });

  it("partitions by the UTC day", () => {
    expect(eventDate(Date.UTC(2026, 0, 1, 23, 59, 59, 999))).toBe("2026-01-01");
    expect(eventDate(Date.UTC(2026, 0, 2))).toBe("2026-01-02");
  });

  it("a file is committed only when its range starts before the partition's position", () => {
    const positions = new Map([[0, 200n]]);
    expect(isCommitted({ partition: 0, from: 100n, to: 199n }, positions)).toBe(true);
    expect(isCommitted({ partition: 0, from: 200n, to: 299n }, positions)).toBe(false);
    expect(isCommitted({ partition: 1, from: 0n, to: 9n }, positions)).toBe(false);
  });
});
