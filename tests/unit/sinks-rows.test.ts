import { describe, expect, it } from "vitest";
import type { PoolClient } from "../../platform/postgres/pool.ts";
import { isRecordFault } from "../../sinks/engine/errors.ts";
import { RejectedRecord, RowWriter, readMigrations } from "../../sinks/engine/index.ts";
import { indexDefinitions } from "../../sinks/search/mappings.ts";
import { postgresViews } from "../../sinks/views.ts";

const columns = new Map([
  [
    "posts",
    new Map([
      ["post_id", "uuid"],
      ["title", "text"],
      ["deleted", "boolean"],
      ["last_offset", "bigint"],
    ]),
  ],
]);

function recorder() {
  const queries: Array<{ sql: string; params: unknown[] }> = [];
  const client = {
    query: async (sql: string, params: unknown[]) => {
      queries.push({ sql, params });
      return { rows: [] };
    },
  } as unknown as PoolClient;
  return { client, queries };
}

describe("RowWriter", () => {
  it("merges the writes to one row and sends one multi-row statement per table and kind", async () => {
    const rows = new RowWriter("content_v1", columns);
    rows.upsert("posts", ["post_id"], {
      post_id: "a",
      title: "A",
      deleted: false,
      last_offset: 1n,
    });
    rows.upsert("posts", ["post_id"], {
      post_id: "b",
      title: "B",
      deleted: false,
      last_offset: 2n,
    });
    rows.patch("posts", ["post_id"], { post_id: "a", title: "A2", last_offset: 3n });
    const { client, queries } = recorder();
    await rows.flush(client);
    expect(queries).toHaveLength(1);
    expect(queries[0]?.sql).toContain('insert into "content_v1"."posts"');
    expect(queries[0]?.sql).toContain(
      'where "content_v1"."posts"."last_offset" < excluded."last_offset"',
    );
    // Columns sorted: deleted, last_offset, post_id, title.
    expect(queries[0]?.params).toEqual([false, "3", "a", "A2", false, "2", "b", "B"]);
  });

  it("guards a partial change by the offset, and inserts write-once rows with do nothing", async () => {
    const rows = new RowWriter("content_v1", columns);
    rows.patch("posts", ["post_id"], { post_id: "a", deleted: true, last_offset: 9n });
    rows.insert("posts", ["post_id"], {
      post_id: "c",
      title: "C",
      deleted: false,
      last_offset: 4n,
    });
    const { client, queries } = recorder();
    await rows.flush(client);
    const sql = queries.map((q) => q.sql).join("\n");
    expect(sql).toContain('t."last_offset" < v."last_offset"');
    expect(sql).toContain("$1::boolean");
    expect(sql).toContain('on conflict ("post_id") do nothing');
  });

  it("refuses a table or column the version does not have", async () => {
    const rows = new RowWriter("content_v1", columns);
    expect(() => rows.upsert("nope", ["id"], { id: 1 })).toThrow(/no table/);
    rows.upsert("posts", ["post_id"], { post_id: "a", nope: 1 });
    await expect(rows.flush(recorder().client)).rejects.toThrow(/no column/);
  });
});

describe("sink errors", () => {
  it("dead-letters data errors and refusals, retries everything else", () => {
    expect(isRecordFault(new RejectedRecord("bad"))).toBe(true);
    expect(isRecordFault(Object.assign(new Error("check"), { code: "23514" }))).toBe(true);
    expect(isRecordFault(Object.assign(new Error("bad uuid"), { code: "22P02" }))).toBe(true);
    expect(isRecordFault(Object.assign(new Error("shutdown"), { code: "57P01" }))).toBe(false);
    expect(isRecordFault(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBe(
      false,
    );
  });
});

describe("view definitions", () => {
  it("each view has numbered migrations, in order", async () => {
    for (const view of postgresViews) {
      const migrations = await readMigrations(view.migrationsDir);
      expect(migrations.length, view.name).toBeGreaterThan(0);
      expect(migrations.map((m) => m.id)).toEqual(migrations.map((_, i) => i + 1));
    }
  });

  it("search mappings are strict and share the folding analyzers", () => {
    for (const [name, def] of Object.entries(indexDefinitions)) {
      expect(def.mappings.dynamic, name).toBe("strict");
      expect(JSON.stringify(def.settings), name).toContain("asciifolding");
    }
  });
});
