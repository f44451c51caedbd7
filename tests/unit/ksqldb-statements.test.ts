import { describe, expect, it } from "vitest";
import { staleKsqlFiles } from "../../connect/ksqldb/files.ts";
import { ksqlName, renderKsqlFiles } from "../../connect/ksqldb/generate.ts";
import { catalog } from "../../schemas/catalog.ts";

/** The column list of a statement: name → type, parsed back from the SQL. */
function columnsOf(sql: string): Map<string, string> {
  const body = sql.slice(sql.indexOf("(\n") + 2, sql.lastIndexOf("\n) WITH"));
  return new Map(
    body.split(",\n").map((line) => {
      const match = /^\s*`([^`]+)` (.+)$/.exec(line);
      if (!match) throw new Error(`not a column: ${line}`);
      return [match[1] as string, match[2] as string];
    }),
  );
}

/** What an Avro field's type must be in ksqlDB, for the types whose mapping is fixed. */
function expectedType(type: unknown): string | undefined {
  if (Array.isArray(type)) return expectedType(type.find((t) => t !== "null"));
  if (typeof type === "string") {
    return { string: "VARCHAR", int: "INT", long: "BIGINT", boolean: "BOOLEAN", double: "DOUBLE" }[
      type
    ];
  }
  const t = type as { type: unknown; logicalType?: string };
  if (t.logicalType === "timestamp-millis") return "TIMESTAMP";
  if (t.logicalType === "uuid") return "VARCHAR";
  if (t.logicalType === "date") return "DATE";
  if (t.type === "enum") return "VARCHAR";
  if (t.type === "record") return undefined;
  if (t.type === "array") return `ARRAY<${expectedType((type as { items: unknown }).items) ?? ""}`;
  return expectedType(t.type);
}

describe("ksqlDB statements (connect/ksqldb/)", () => {
  const files = renderKsqlFiles(catalog);

  it("are what `vobe catalog generate` makes", () => {
    expect(staleKsqlFiles()).toEqual([]);
  });

  it("every topic analysts may read has one; restricted topics have none", () => {
    for (const t of catalog) {
      const sql = files.get(`${t.name}.sql`);
      if (t.restricted || !t.readers.includes("analysts")) {
        expect(sql, t.name).toBeUndefined();
        continue;
      }
      expect(sql, t.name).toContain(`\`${ksqlName(t.name)}\``);
      expect(sql).toContain(`KAFKA_TOPIC='${t.name}'`);
      expect(sql).toMatch(t.cleanupPolicy === "compact" ? /CREATE TABLE/ : /CREATE STREAM/);
    }
  });

  it("columns are the schema's fields, with matching types", () => {
    for (const t of catalog) {
      const sql = files.get(`${t.name}.sql`);
      if (!sql) continue;
      const columns = columnsOf(sql);
      const fields = new Map(
        t.events.flatMap((e) => e.schema.fields.map((f) => [f.name, f.type] as const)),
      );
      const own = [...columns.keys()].filter((c) => c !== "key" && c !== "event_type");
      expect(own, t.name).toEqual([...fields.keys()]);
      for (const [name, type] of fields) {
        const want = expectedType(type);
        const got = columns.get(name) as string;
        if (want === undefined) expect(got, `${t.name}.${name}`).toMatch(/^STRUCT</);
        else
          expect(got, `${t.name}.${name}`).toMatch(new RegExp(`^${want.replace(/[<>]/g, "\\$&")}`));
      }
      expect(columns.get("key")).toMatch(/^VARCHAR (KEY|PRIMARY KEY)$/);
    }
  });
});
