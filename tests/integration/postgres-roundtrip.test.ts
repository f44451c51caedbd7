import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { stackConfig } from "../../stack/config.ts";

describe("Postgres", () => {
  const endpoints = inject("endpoints");
  const pool = createPool(endpoints.databaseUrl, 2);
  afterAll(() => pool.end());

  it("has one database per service that owns a view", async () => {
    const { rows } = await pool.query<{ datname: string }>("select datname from pg_database");
    const names = rows.map((r) => r.datname);
    for (const db of stackConfig.serviceDatabases) expect(names).toContain(db);
  });

  it("round-trips a row in a service database, transactionally", async () => {
    const listening = createPool(databaseUrlFor(endpoints, "listening"), 2);
    const table = `smoke_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    try {
      await listening.query(
        `create table ${table} (id uuid primary key, title text not null, plays bigint not null)`,
      );
      const id = randomUUID();
      // A rolled-back write leaves nothing behind.
      const client = await listening.connect();
      try {
        await client.query("begin");
        await client.query(`insert into ${table} values ($1, $2, $3)`, [id, "rolled back", 1]);
        await client.query("rollback");
      } finally {
        client.release();
      }
      expect((await listening.query(`select count(*)::int as n from ${table}`)).rows[0].n).toBe(0);

      await listening.query(`insert into ${table} values ($1, $2, $3)`, [
        id,
        "Ünïcødé ♪ 'quoted'",
        7,
      ]);
      const { rows } = await listening.query(`select id, title, plays from ${table}`);
      expect(rows).toEqual([{ id, title: "Ünïcødé ♪ 'quoted'", plays: "7" }]);
    } finally {
      await listening.query(`drop table if exists ${table}`);
      await listening.end();
    }
  });
});
