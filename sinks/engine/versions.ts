/**
 * View versions in Postgres (docs/adr/010-sinks.md). Version N of a view lives in schema
 * `<base>_v<N>` (base = the view's name, or a test's own name) with its tables, its
 * `sink_offsets` and its `sink_migrations`. Readers use the stable schema `<base>`: one
 * plain SQL view per table, `select * from <base>_v<N>.<table>`. A swap recreates that
 * schema for another version in one transaction (Postgres DDL is transactional), so a
 * reader sees either the old version or the new one, never a mix. `sinks.view_versions`
 * records which version is live.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Pool, PoolClient } from "../../platform/postgres/pool.ts";
import { quote } from "./rows.ts";

export type VersionState = "building" | "live" | "retired";

export interface ViewVersion {
  base: string;
  version: number;
  state: VersionState;
  createdAt: Date;
  swappedAt: Date | null;
}

export const versionSchema = (base: string, version: number): string => `${base}_v${version}`;

const bootstrap = `
  create schema if not exists sinks;
  create table if not exists sinks.view_versions (
    base text not null,
    version int not null,
    state text not null check (state in ('building', 'live', 'retired')),
    created_at timestamptz not null default now(),
    swapped_at timestamptz,
    primary key (base, version)
  );
  create unique index if not exists view_versions_one_live on sinks.view_versions (base) where state = 'live';
`;

/** Serializes version DDL of one view across processes. */
const lock = (client: PoolClient, base: string) =>
  client.query("select pg_advisory_xact_lock(hashtext($1))", [`vobe-sinks:${base}`]);

/**
 * Postgres ends one of two deadlocked transactions with 40P01 and expects it to be run
 * again. Two sinks instances of one view starting together deadlocked here once (a
 * fresh-clone run: "vobe: deadlock detected", the second instance exited at start).
 */
async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransactionOnce(pool, work);
    } catch (error) {
      if ((error as { code?: string }).code !== "40P01" || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 100));
    }
  }
}

async function inTransactionOnce<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}-.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (name) => ({
      id: Number(name.slice(0, 3)),
      name,
      sql: await readFile(join(dir, name), "utf8"),
    })),
  );
}

/**
 * Creates version `version` of a view if it is missing and applies the migrations it has
 * not had yet (idempotent: each migration is recorded in the version's sink_migrations).
 * The migrations run with search_path set to the version's schema, so they name tables
 * unqualified.
 */
export async function ensureVersion(
  pool: Pool,
  options: { base: string; version: number; migrationsDir: string; state?: VersionState },
): Promise<string[]> {
  const schema = versionSchema(options.base, options.version);
  const migrations = await readMigrations(options.migrationsDir);
  return inTransaction(pool, async (client) => {
    await lock(client, "bootstrap");
    await client.query(bootstrap);
    await lock(client, options.base);
    await client.query(`create schema if not exists ${quote(schema)}`);
    await client.query(`
      create table if not exists ${quote(schema)}.sink_offsets (
        view text not null,
        topic text not null,
        partition int not null,
        next_offset bigint not null,
        updated_at timestamptz not null default now(),
        primary key (view, topic, partition)
      );
      create table if not exists ${quote(schema)}.sink_migrations (
        id int primary key,
        name text not null,
        applied_at timestamptz not null default now()
      );`);
    await client.query(
      `insert into sinks.view_versions (base, version, state) values ($1, $2, $3)
       on conflict (base, version) do nothing`,
      [options.base, options.version, options.state ?? "building"],
    );
    const { rows } = await client.query<{ id: number }>(
      `select id from ${quote(schema)}.sink_migrations`,
    );
    const applied = new Set(rows.map((r) => r.id));
    const ran: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      await client.query(`set local search_path to ${quote(schema)}`);
      await client.query(m.sql);
      await client.query(
        `insert into ${quote(schema)}.sink_migrations (id, name) values ($1, $2)`,
        [m.id, m.name],
      );
      ran.push(m.name);
    }
    await client.query("set local search_path to default");
    return ran;
  });
}

export async function listVersions(pool: Pool, base?: string): Promise<ViewVersion[]> {
  const { rows: exists } = await pool.query(
    "select 1 from information_schema.tables where table_schema = 'sinks' and table_name = 'view_versions'",
  );
  if (exists.length === 0) return [];
  const { rows } = await pool.query<{
    base: string;
    version: number;
    state: VersionState;
    created_at: Date;
    swapped_at: Date | null;
  }>(
    `select base, version, state, created_at, swapped_at from sinks.view_versions
      where $1::text is null or base = $1 order by base, version`,
    [base ?? null],
  );
  return rows.map((r) => ({
    base: r.base,
    version: r.version,
    state: r.state,
    createdAt: r.created_at,
    swappedAt: r.swapped_at,
  }));
}

export async function liveVersion(pool: Pool, base: string): Promise<number | undefined> {
  return (await listVersions(pool, base)).find((v) => v.state === "live")?.version;
}

/**
 * Makes `version` the live one, atomically: the stable schema `<base>` is dropped and
 * recreated with one view per table of the version (sink_migrations excepted; its
 * sink_offsets included, so a reader can wait for its own write), the previous live
 * version is marked retired. `inside` runs in the same transaction before it commits
 * (the search view moves its aliases there).
 */
export async function swapTo(
  pool: Pool,
  options: { base: string; version: number; inside?: () => Promise<void> },
): Promise<void> {
  const schema = versionSchema(options.base, options.version);
  await inTransaction(pool, async (client) => {
    await lock(client, options.base);
    const { rows: known } = await client.query(
      "select 1 from sinks.view_versions where base = $1 and version = $2",
      [options.base, options.version],
    );
    if (known.length === 0) throw new Error(`${options.base} has no version ${options.version}`);
    const { rows: tables } = await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind in ('r', 'v') and c.relname <> 'sink_migrations'
        order by c.relname`,
      [schema],
    );
    await client.query(`drop schema if exists ${quote(options.base)} cascade`);
    await client.query(`create schema ${quote(options.base)}`);
    for (const { name } of tables) {
      await client.query(
        `create view ${quote(options.base)}.${quote(name)} as select * from ${quote(schema)}.${quote(name)}`,
      );
    }
    await client.query(
      "update sinks.view_versions set state = 'retired' where base = $1 and state = 'live' and version <> $2",
      [options.base, options.version],
    );
    await client.query(
      "update sinks.view_versions set state = 'live', swapped_at = now() where base = $1 and version = $2",
      [options.base, options.version],
    );
    await options.inside?.();
  });
}

/** Drops a version that is not live (its schema and its registry row). */
export async function dropVersion(
  pool: Pool,
  options: { base: string; version: number },
): Promise<void> {
  await inTransaction(pool, async (client) => {
    await lock(client, options.base);
    const { rows } = await client.query<{ state: string }>(
      "select state from sinks.view_versions where base = $1 and version = $2",
      [options.base, options.version],
    );
    if (rows[0]?.state === "live") {
      throw new Error(`${options.base} v${options.version} is live; swap first`);
    }
    await client.query(
      `drop schema if exists ${quote(versionSchema(options.base, options.version))} cascade`,
    );
    await client.query("delete from sinks.view_versions where base = $1 and version = $2", [
      options.base,
      options.version,
    ]);
  });
}

/** Drops every version and the stable schema of a base (tests clean up with it). */
export async function dropAll(pool: Pool, base: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await lock(client, base);
    const versions = await listVersions(pool, base);
    for (const v of versions) {
      await client.query(`drop schema if exists ${quote(versionSchema(base, v.version))} cascade`);
    }
    await client.query(`drop schema if exists ${quote(base)} cascade`);
    if (versions.length > 0) {
      await client.query("delete from sinks.view_versions where base = $1", [base]);
    }
  });
}
