/**
 * Multi-row writes for a batch. Writes to one row (same table and key) are merged in
 * memory in log order, so a batch sends one statement per table and kind, not one per
 * record: full rows as `insert … values (…), (…) on conflict … do update … where
 * t.last_offset < excluded.last_offset`, partial changes as `update … from (values …)`
 * with the same guard. The guard makes every write idempotent: a record applied a second
 * time (a replay) has an offset the row has already seen and changes nothing. All events
 * of one entity are in one partition of one topic, so its offsets are comparable.
 */
import type { PoolClient } from "../../platform/postgres/pool.ts";

/** table → column → SQL type (as format_type prints it: uuid, text[], timestamp with time zone…). */
export type ColumnTypes = ReadonlyMap<string, ReadonlyMap<string, string>>;

export type Row = Record<string, unknown>;

type Pending =
  | { kind: "upsert" | "insert"; key: readonly string[]; values: Row }
  | { kind: "patch"; key: readonly string[]; values: Row };

/** Postgres allows 65535 parameters per statement. */
const maxParameters = 60_000;

export const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;

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

export class RowWriter {
  /** table → key → pending write, in first-seen order. */
  private readonly pending = new Map<string, Map<string, Pending>>();

  constructor(
    private readonly schema: string,
    private readonly columns: ColumnTypes,
    /** The column that orders writes to a row (the offset of the record that wrote it last). */
    private readonly guard = "last_offset",
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
      const target = `${quote(this.schema)}.${quote(table)}`;
      const colList = cols.map(quote).join(", ");
      const keyList = first.key.map(quote).join(", ");
      const hasGuard = cols.includes(this.guard);
      let sql: string;
      if (first.kind === "patch") {
        const sets = cols
          .filter((c) => !first.key.includes(c))
          .map((c) => `${quote(c)} = v.${quote(c)}`);
        const match = first.key.map((k) => `t.${quote(k)} = v.${quote(k)}`);
        if (hasGuard) match.push(`t.${quote(this.guard)} < v.${quote(this.guard)}`);
        sql = `update ${target} as t set ${sets.join(", ")} from (values ${tuples.join(", ")}) as v(${colList}) where ${match.join(" and ")}`;
      } else if (first.kind === "insert") {
        sql = `insert into ${target} (${colList}) values ${tuples.join(", ")} on conflict (${keyList}) do nothing`;
      } else {
        const sets = cols
          .filter((c) => !first.key.includes(c))
          .map((c) => `${quote(c)} = excluded.${quote(c)}`);
        const guard = hasGuard
          ? ` where ${target}.${quote(this.guard)} < excluded.${quote(this.guard)}`
          : "";
        sql =
          sets.length === 0
            ? `insert into ${target} (${colList}) values ${tuples.join(", ")} on conflict (${keyList}) do nothing`
            : `insert into ${target} (${colList}) values ${tuples.join(", ")} on conflict (${keyList}) do update set ${sets.join(", ")}${guard}`;
      }
      await client.query(sql, params);
    }
  }
}
