import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import {
  dropAll,
  ensureVersion,
  isRecordFault,
  loadColumnTypes,
  quote,
  RowWriter,
  versionSchema,
} from "../../sinks/engine/index.ts";
import { artistView } from "../../sinks/postgres/artist/view.ts";

// RowWriter sends a table's large groups by COPY into a staging table and small ones as
// multi-row VALUES (docs/adr/014-sink-batches-upsert-or-copy.md). The suite's batches are
// small, so here both paths write the same awkward rows and must agree, refusals included.
describe("RowWriter's COPY path and VALUES path", () => {
  const pool = createPool(databaseUrlFor(inject("endpoints"), "artist"), 2);
  const base = `t_${randomUUID().slice(0, 8)}_rowcopy`;
  afterAll(async () => {
    await dropAll(pool, base);
    await pool.end();
  });

  const ids = Array.from({ length: 6 }, () => randomUUID());
  const owner = randomUUID();
  const t0 = new Date("2026-01-02T03:04:05.678Z");
  type Write = { kind: "upsert" | "patch"; values: Record<string, unknown> };
  const writes: Write[] = [
    {
      kind: "upsert",
      values: {
        artist_id: ids[0],
        owner_user_id: owner,
        name: "tab\there\nnl\\bs \\N end",
        country: null,
        genres: ["a,b", 'q"uote', "back\\slash", "NULL", "", "ünï"],
        bio: "",
        deleted: false,
        created_at: t0,
        updated_at: t0,
        last_offset: 1n,
      },
    },
    // Refused by Postgres (22P02): dead-lettered by the sink, the rest of the batch kept.
    {
      kind: "upsert",
      values: {
        artist_id: ids[1],
        owner_user_id: "not-a-uuid",
        name: "bad uuid",
        country: "FR",
        genres: [],
        bio: null,
        deleted: false,
        created_at: t0,
        updated_at: t0,
        last_offset: 2n,
      },
    },
    // Refused (23502: name is not null).
    {
      kind: "upsert",
      values: {
        artist_id: ids[2],
        owner_user_id: owner,
        name: null,
        country: "FR",
        genres: [],
        bio: null,
        deleted: false,
        created_at: t0,
        updated_at: t0,
        last_offset: 3n,
      },
    },
    {
      kind: "upsert",
      values: {
        artist_id: ids[3],
        owner_user_id: owner,
        name: "fine",
        country: "DE",
        genres: ["x"],
        bio: "b",
        deleted: false,
        created_at: t0,
        updated_at: t0,
        last_offset: 4n,
      },
    },
    {
      kind: "patch",
      values: {
        artist_id: ids[3],
        name: "renamed\r\n",
        deleted: true,
        updated_at: new Date(t0.getTime() + 2000),
        last_offset: 6n,
      },
    },
    // A patch of a row that does not exist changes nothing.
    {
      kind: "patch",
      values: { artist_id: ids[4], deleted: true, updated_at: t0, last_offset: 7n },
    },
  ];

  /** As the sink applies a batch: whole, or record by record when one is refused; twice. */
  async function apply(version: number, copyRows: number) {
    const schema = versionSchema(base, version);
    await ensureVersion(pool, { base, version, migrationsDir: artistView.migrationsDir });
    const client = await pool.connect();
    try {
      const columns = await loadColumnTypes(client, schema);
      const add = (w: RowWriter, write: Write) =>
        write.kind === "upsert"
          ? w.upsert("artists", ["artist_id"], write.values)
          : w.patch("artists", ["artist_id"], write.values);
      const refused: number[] = [];
      for (let pass = 0; pass < 2; pass++) {
        await client.query("begin; savepoint batch");
        try {
          const w = new RowWriter(schema, columns, "last_offset", copyRows);
          for (const write of writes) add(w, write);
          await w.flush(client);
        } catch (error) {
          if (!isRecordFault(error)) throw error;
          await client.query("rollback to savepoint batch");
          for (const [i, write] of writes.entries()) {
            await client.query("savepoint one");
            try {
              const w = new RowWriter(schema, columns, "last_offset", copyRows);
              add(w, write);
              await w.flush(client);
            } catch (one) {
              if (!isRecordFault(one)) throw one;
              await client.query("rollback to savepoint one");
              if (pass === 0) refused.push(i);
            }
          }
        }
        await client.query("commit");
      }
      const { rows } = await client.query(
        `select * from ${quote(schema)}.artists order by artist_id`,
      );
      return { rows, refused };
    } finally {
      client.release();
    }
  }

  it("write the same rows, refuse the same records, and a replay changes nothing", async () => {
    const viaCopy = await apply(1, 1);
    const viaValues = await apply(2, Number.POSITIVE_INFINITY);
    expect(viaCopy.refused).toEqual([1, 2]);
    expect(viaValues.refused).toEqual([1, 2]);
    expect(viaCopy.rows).toEqual(viaValues.rows);
    expect(viaCopy.rows).toHaveLength(2);
    const first = viaCopy.rows.find((r) => r.artist_id === ids[0]);
    expect(first).toMatchObject({
      name: "tab\there\nnl\\bs \\N end",
      genres: ["a,b", 'q"uote', "back\\slash", "NULL", "", "ünï"],
      bio: "",
      country: null,
    });
    expect(viaCopy.rows.find((r) => r.artist_id === ids[3])).toMatchObject({
      name: "renamed\r\n",
      deleted: true,
    });
  });
});
