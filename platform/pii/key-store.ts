/**
 * Where the users' data keys live: one row per user in the auth database, outside every
 * view's schema (a view rebuild drops its schema; it must never drop a key). Erasure is a
 * DELETE: once it commits (and Postgres's own WAL/backups age out, an operational matter),
 * no topic, changelog, replay or rebuild can open that user's personal fields again. A
 * Kafka topic could not do this: a compacted key stays readable until the log cleaner runs,
 * and never while it sits in the active segment (docs/adr/019-erasure.md).
 *
 * Keys are plain 32-byte AES keys here; wrapping them with a master key held elsewhere
 * (a KMS) is the next step the ADR names, not done.
 */
import { randomBytes } from "node:crypto";
import type { Pool, PoolClient } from "../postgres/pool.ts";
import { keyBytes } from "./seal.ts";

/** Something to run SQL on: a pool, or a transaction's client (a sink's batch). */
type Queryable = Pick<Pool | PoolClient, "query">;

export const keysTable = "pii.user_keys";

export interface KeyStore {
  /** The user's key, made on first call (sign-up); the same key after that. */
  create(userId: string): Promise<Buffer>;
  /** Several users' keys at once (a bulk loader), made where missing. */
  createMany(userIds: readonly string[]): Promise<Map<string, Buffer>>;
  get(userId: string): Promise<Buffer | undefined>;
  /** Destroys the key: the user's sealed fields can never be opened again. Idempotent. */
  destroy(userId: string): Promise<void>;
  close(): Promise<void>;
}

let ensured = new WeakSet<object>();

/**
 * Creates the schema and table once per pool. Two processes may race here (the API and the
 * auth sink start together): a transaction-scoped advisory lock orders them.
 */
export async function ensureKeyTable(db: Pick<Pool, "connect"> | PoolClient): Promise<void> {
  if (ensured.has(db)) return;
  const client = "release" in db ? (db as PoolClient) : await (db as Pool).connect();
  const own = client !== db;
  try {
    if (own) await client.query("begin");
    await client.query("select pg_advisory_xact_lock(hashtext('vobe-pii-user-keys'))");
    await client.query("create schema if not exists pii");
    await client.query(
      `create table if not exists ${keysTable} (
         user_id uuid primary key,
         key bytea not null check (octet_length(key) = ${keyBytes}),
         created_at timestamptz not null default now()
       )`,
    );
    if (own) await client.query("commit");
    ensured.add(db);
  } catch (error) {
    if (own) await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    if (own) client.release();
  }
}

/** Keys of several users at once (a sink's batch): the users without one are absent. */
export async function keysOf(
  db: Queryable,
  userIds: readonly string[],
): Promise<Map<string, Buffer>> {
  if (userIds.length === 0) return new Map();
  const { rows } = await db.query<{ user_id: string; key: Buffer }>(
    `select user_id, key from ${keysTable} where user_id = any($1::uuid[])`,
    [userIds],
  );
  return new Map(rows.map((r) => [r.user_id, r.key]));
}

export async function destroyKeys(db: Queryable, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await db.query(`delete from ${keysTable} where user_id = any($1::uuid[])`, [userIds]);
}

export function createKeyStore(pool: Pool): KeyStore {
  const ready = () => ensureKeyTable(pool);
  return {
    async create(userId) {
      await ready();
      const { rows } = await pool.query<{ key: Buffer }>(
        `insert into ${keysTable} (user_id, key) values ($1, $2)
           on conflict (user_id) do update set user_id = excluded.user_id
         returning key`,
        [userId, randomBytes(keyBytes)],
      );
      return (rows[0] as { key: Buffer }).key;
    },
    async createMany(userIds) {
      await ready();
      if (userIds.length === 0) return new Map();
      await pool.query(
        `insert into ${keysTable} (user_id, key)
           select id, fresh from unnest($1::uuid[], $2::bytea[]) as t(id, fresh)
           on conflict (user_id) do nothing`,
        [userIds, userIds.map(() => randomBytes(keyBytes))],
      );
      return keysOf(pool, userIds);
    },
    async get(userId) {
      await ready();
      return (await keysOf(pool, [userId])).get(userId);
    },
    async destroy(userId) {
      await ready();
      await destroyKeys(pool, [userId]);
    },
    close: () => pool.end(),
  };
}

/** Tests: forget which pools have the table (a private Postgres). */
export function forgetEnsured(): void {
  ensured = new WeakSet();
}
