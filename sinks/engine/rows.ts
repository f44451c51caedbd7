/**
 * Multi-row writes for a batch. Writes to one row (same table and key) are merged in
 * memory in log order, so a batch sends one statement per table and kind, not one per
 * record: full rows as `insert … values (…), (…) on conflict … do update … where
 * t.last_offset < excluded.last_offset`, partial changes as `update … from (values …)`
 * with the same guard. The guard makes every write idempotent: a record applied a second
 * time (a replay) has an offset the row has already seen and changes nothing. All events
 * of one entity are in one partition of one topic, so its offsets are comparable.
 *
 * From `copyFromRows` rows of one table and kind, the rows go by COPY into a temporary
 * staging table instead, and the same statement reads them from there (`insert … select`,
 * `update … from`), with the same conflict clauses and guard
 * (docs/adr/014-sink-batches-upsert-or-copy.md).
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { finished } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import type { PoolClient } from "../../platform/postgres/pool.ts";
import { quote } from "../contract.ts";

/** table → column → SQL type (as format_type prints it: uuid, text[], timestamp with time zone…). */
export type ColumnTypes = ReadonlyMap<string, ReadonlyMap<string, string>>;

export type Row = Record<string, unknown>;

type Pending =
  | { kind: "upsert" | "insert"; key: readonly string[]; values: Row }
  | { kind: "patch"; key: readonly string[]; values: Row };

/** Postgres allows 65535 parameters per statement. */
const maxParameters = 60_000;

/**
 * From this many rows of one table and kind, COPY + staging; below, one multi-row
 * statement. COPY costs a round trip, a catalog lookup and a staging table more, which
 * only pays once binding and parsing thousands of `$n::type` parameters costs more
 * (bench/sinks: COPY 33–65% slower at 5–50 rows, −2% to +20% at 250–500, +36% to +75%
 * from 1,000 on).
 */
export const copyFromRows = 1_000;

export { quote };

export async function loadColumnTypes(client: PoolClient, schema: string): Promise<ColumnTypes> {
  const { rows } = await client.query<{ table: string; column: string; type: string }>(
    `select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type
       from pg_attribute a
       join pg_class c on c.oid = a.attrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`,
    [schema],
  );
  const types = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const table = types.get(r.table) ?? new Map<string, string>();
    table.set(r.column, r.type);
    types.set(r.table, table);
  }
  return types;
}

const toParameter = (value: unknown): unknown =>
  typeof value === "bigint" ? value.toString() : value;

// pg's own conversion of a parameter to text, so that a staged value is exactly what the
// multi-row statement would have sent: dates in the same zone, arrays as literals, JSON.
const { prepareValue } = createRequire(import.meta.url)("pg/lib/utils.js") as {
  prepareValue(value: unknown): string | Buffer | null;
};
// Not part of pg's documented API: a pg upgrade that drops it fails here, at import.
if (typeof prepareValue !== "function") throw new Error("pg/lib/utils.js has no prepareValue");

const copyEscapes: Record<string, string> = {
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** One field in COPY's text format. */
function copyField(value: unknown): string {
  const text = prepareValue(toParameter(value));
  if (text === null) return "\\N";
  // pg sends a Buffer as a binary parameter; COPY's text format takes bytea as hex.
  if (Buffer.isBuffer(text)) return `\\\\x${text.toString("hex")}`;
  return text.replace(/[\\\n\r\t]/g, (ch) => copyEscapes[ch] as string);
}

/**
 * Sends `rows` by COPY into this session's staging table for `schema.table` (every column
 * of the table, with its type, nullable) and returns the query that reads them back and
 * empties the stage, for a `with v as (…)` in front of the statement that applies them.
 * Emptying it in that statement matters when one transaction stages twice (the sink's
 * record-by-record retry): no row is read by a later statement again. The stage is
 * temporary (the session's own, invisible to others, not WAL-logged) and `on commit delete
 * rows`, so it holds nothing between transactions.
 */
export async function stageRows(
  client: PoolClient,
  target: { schema: string; table: string; types: ReadonlyMap<string, string> },
  columns: readonly string[],
  rows: Iterable<Row>,
): Promise<string> {
  const digest = createHash("sha256").update(`${target.schema}.${target.table}`).digest("hex");
  const stage = `pg_temp.${quote(`stage_${target.table.slice(0, 40)}_${digest.slice(0, 12)}`)}`;
  const definition = [...target.types].map(([c, type]) => `${quote(c)} ${type}`).join(", ");
  const list = columns.map(quote).join(", ");
  const lines: string[] = [];
  for (const row of rows) lines.push(`${columns.map((c) => copyField(row[c])).join("\t")}\n`);
  // Created when missing in the same round trip as the COPY: a stage created in a
  // transaction that rolled back is gone again, so the session cannot just remember it.
  const copy = client.query(
    copyFrom(
      `create temporary table if not exists ${stage} (${definition}) on commit delete rows;
       copy ${stage} (${list}) from stdin`,
    ),
  );
  copy.end(lines.join(""));
  await finished(copy);
  return `delete from ${stage} returning ${list}`;
}

export class RowWriter {
  /** table → key → pending write, in first-seen order. */
  private readonly pending = new Map<string, Map<string, Pending>>();

  constructor(
    private readonly schema: string,
    private readonly columns: ColumnTypes,
    /** The column that orders writes to a row (the offset of the record that wrote it last). */
    private readonly guard = "last_offset",
    /** From this many rows of one table and kind, COPY + staging (bench/sinks sets it). */
    private readonly copyRows = copyFromRows,
  ) {}

  /** The whole row after this record: inserted, or replacing an older version of it. */
  upsert(table: string, key: readonly string[], values: Row): void {
    this.put(table, { kind: "upsert", key, values });
  }

  /** A row that is written once and never changes (a play, a chat message). */
  insert(table: string, key: readonly string[], values: Row): void {
    this.put(table, { kind: "insert", key, values });
  }

  /** Some columns of an existing row (`values` holds the key columns too). */
  patch(table: string, key: readonly string[], values: Row): void {
    this.put(table, { kind: "patch", key, values });
  }

  /** The pending values of a row, when this batch already wrote it. */
  peek(table: string, key: readonly string[], values: Row): Row | undefined {
    return this.pending.get(table)?.get(this.keyOf(key, values))?.values;
  }

  get size(): number {
    let n = 0;
    for (const rows of this.pending.values()) n += rows.size;
    return n;
  }

  private keyOf(key: readonly string[], values: Row): string {
    return key.map((k) => String(values[k])).join("\u0000");
  }

  private put(table: string, write: Pending): void {
    if (!this.columns.has(table)) throw new Error(`no table ${this.schema}.${table}`);
    const rows = this.pending.get(table) ?? new Map<string, Pending>();
    this.pending.set(table, rows);
    const id = this.keyOf(write.key, write.values);
    const before = rows.get(id);
    if (before && write.kind === "patch") {
      // A change to a row this batch already wrote: merge, keep the earlier kind.
      before.values = { ...before.values, ...write.values };
      return;
    }
    if (before && write.kind === "insert" && before.kind === "insert") return;
    rows.set(id, { ...write, values: { ...write.values } });
  }

  async flush(client: PoolClient): Promise<void> {
    for (const [table, rows] of this.pending) {
      const groups = new Map<string, Pending[]>();
      for (const write of rows.values()) {
        const shape = `${write.kind}:${Object.keys(write.values).sort().join(",")}`;
        const list = groups.get(shape) ?? [];
        list.push(write);
        groups.set(shape, list);
      }
      for (const list of groups.values()) await this.write(client, table, list);
    }
    this.pending.clear();
  }

  private async write(client: PoolClient, table: string, writes: Pending[]): Promise<void> {
    const [first] = writes;
    if (!first) return;
    const types = this.columns.get(table) as ReadonlyMap<string, string>;
    const cols = Object.keys(first.values).sort();
    for (const c of cols) if (!types.has(c)) throw new Error(`no column ${table}.${c}`);
    const target = `${quote(this.schema)}.${quote(table)}`;
    const colList = cols.map(quote).join(", ");
    const keyList = first.key.map(quote).join(", ");
    const hasGuard = cols.includes(this.guard);
    // What follows the rows, the same for both ways of sending them.
    let onConflict = "do nothing";
    let patchSets = "";
    const patchMatch = first.key.map((k) => `t.${quote(k)} = v.${quote(k)}`);
    if (first.kind === "patch") {
      patchSets = cols
        .filter((c) => !first.key.includes(c))
        .map((c) => `${quote(c)} = v.${quote(c)}`)
        .join(", ");
      if (hasGuard) patchMatch.push(`t.${quote(this.guard)} < v.${quote(this.guard)}`);
    } else if (first.kind === "upsert") {
      const sets = cols
        .filter((c) => !first.key.includes(c))
        .map((c) => `${quote(c)} = excluded.${quote(c)}`);
      const guard = hasGuard
        ? ` where ${target}.${quote(this.guard)} < excluded.${quote(this.guard)}`
        : "";
      if (sets.length > 0) onConflict = `do update set ${sets.join(", ")}${guard}`;
    }
    const where = patchMatch.join(" and ");

    if (writes.length >= this.copyRows) {
      const staged = await stageRows(
        client,
        { schema: this.schema, table, types },
        cols,
        writes.map((w) => w.values),
      );
      await client.query(
        first.kind === "patch"
          ? `with v as (${staged}) update ${target} as t set ${patchSets} from v where ${where}`
          : `with v as (${staged}) insert into ${target} (${colList}) select ${colList} from v on conflict (${keyList}) ${onConflict}`,
      );
      return;
    }

    const perStatement = Math.max(1, Math.floor(maxParameters / cols.length));
    for (let start = 0; start < writes.length; start += perStatement) {
      const chunk = writes.slice(start, start + perStatement);
      const params: unknown[] = [];
      const tuples = chunk.map((w) => {
        const slots = cols.map((c) => {
          params.push(toParameter(w.values[c]));
          return `$${params.length}::${types.get(c)}`;
        });
        return `(${slots.join(", ")})`;
      });
      const sql =
        first.kind === "patch"
          ? `update ${target} as t set ${patchSets} from (values ${tuples.join(", ")}) as v(${colList}) where ${where}`
          : `insert into ${target} (${colList}) values ${tuples.join(", ")} on conflict (${keyList}) ${onConflict}`;
      await client.query(sql, params);
    }
  }
}
