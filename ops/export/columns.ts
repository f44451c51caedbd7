/**
 * How a topic's Avro events become one typed table (pure). Every event type of a topic
 * shares the table: a field present in several types is one column, a column is nullable
 * when any type lacks it or makes it optional.
 *
 * Decisions, for analysts' tools more than for DuckDB:
 * - A nullable union (`["null", T]`) is a nullable column of T; other unions are refused.
 * - timestamp-millis is TIMESTAMP (UTC, microseconds in Parquet), date is DATE.
 * - uuid is VARCHAR: Spark cannot read Parquet's UUID logical type and pyarrow reads it as
 *   16 raw bytes, while every tool reads a string.
 * - Enums are VARCHAR: a DuckDB ENUM is pinned to its symbols, so files written before
 *   and after a symbol was added would no longer union.
 * - A record at the top level is flattened into `<field>_<subfield>` columns (`actor_role`),
 *   what BI tools and Hive tables read best; a record inside an array is a STRUCT.
 * - bytes are base64 VARCHAR (no field has bytes yet; JSON, the way rows reach DuckDB, has none).
 */
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  type DuckDBType,
  type DuckDBValue,
  dateValue,
  FLOAT,
  INTEGER,
  LIST,
  listValue,
  MAP,
  mapValue,
  STRUCT,
  structValue,
  TIMESTAMP,
  timestampValue,
  VARCHAR,
} from "@duckdb/node-api";
import type { TopicEntry } from "../../schemas/catalog.ts";

export interface Column {
  name: string;
  /** The DuckDB type, as SQL (`VARCHAR`, `STRUCT("trackId" VARCHAR, …)[]`). */
  sql: string;
  type: DuckDBType;
  nullable: boolean;
  doc: string;
  /** Field names from the event's root to the value. Empty for the record's metadata. */
  path: readonly string[];
  /** The decoded Avro value (avsc, without logical types) as a DuckDB value. */
  convert: (value: unknown) => DuckDBValue;
  /** The decoded Avro value as JSON that DuckDB's read_json casts to the column's type. */
  json: (value: unknown) => unknown;
}

interface Mapped {
  sql: string;
  type: DuckDBType;
  nullable: boolean;
  convert: (value: unknown) => DuckDBValue;
  json: (value: unknown) => unknown;
}

type Avro = string | Avro[] | { [key: string]: unknown };

const same = (value: unknown) => value as DuckDBValue;
const asIs = (value: unknown) => value;
const primitives: Record<string, Mapped> = {
  boolean: { sql: "BOOLEAN", type: BOOLEAN, nullable: false, convert: same, json: asIs },
  int: { sql: "INTEGER", type: INTEGER, nullable: false, convert: same, json: asIs },
  long: {
    sql: "BIGINT",
    type: BIGINT,
    nullable: false,
    convert: (v) => (typeof v === "bigint" ? v : BigInt(v as number)),
    json: (v) => (typeof v === "bigint" ? v.toString() : v),
  },
  float: { sql: "FLOAT", type: FLOAT, nullable: false, convert: same, json: asIs },
  double: { sql: "DOUBLE", type: DOUBLE, nullable: false, convert: same, json: asIs },
  // Base64 text: what JSON tools and every Parquet reader take without a binary type.
  bytes: {
    sql: "VARCHAR",
    type: VARCHAR,
    nullable: false,
    convert: (v) => (v as Buffer).toString("base64"),
    json: (v) => (v as Buffer).toString("base64"),
  },
  string: { sql: "VARCHAR", type: VARCHAR, nullable: false, convert: same, json: asIs },
};

const logicals: Record<string, Mapped> = {
  "timestamp-millis": {
    sql: "TIMESTAMP",
    type: TIMESTAMP,
    nullable: false,
    convert: (ms) => timestampValue(BigInt(ms as number) * 1000n),
    json: (ms) => new Date(ms as number).toISOString(),
  },
  date: {
    sql: "DATE",
    type: DATE,
    nullable: false,
    convert: (days) => dateValue(days as number),
    json: (days) => new Date((days as number) * 86_400_000).toISOString().slice(0, 10),
  },
  uuid: primitives.string as Mapped,
};

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Named types seen so far (a later use of a record or enum may give only its name). */
type Named = Map<string, { [key: string]: unknown }>;

function fullName(type: { [key: string]: unknown }, namespace: string): string {
  const name = type.name as string;
  if (name.includes(".")) return name;
  return `${typeof type.namespace === "string" ? type.namespace : namespace}.${name}`;
}

function resolveName(type: string, namespace: string, named: Named): { [key: string]: unknown } {
  const found = named.get(type.includes(".") ? type : `${namespace}.${type}`) ?? named.get(type);
  if (!found) throw new Error(`unknown Avro type ${type}`);
  return found;
}

/** The DuckDB type of an Avro type (records as STRUCT). */
export function mapType(type: Avro, namespace = "", named: Named = new Map()): Mapped {
  if (typeof type === "string") {
    const primitive = primitives[type];
    if (primitive) return primitive;
    if (type === "null") throw new Error("a bare null type has no column");
    return mapType(resolveName(type, namespace, named), namespace, named);
  }
  if (Array.isArray(type)) {
    const others = type.filter((t) => t !== "null");
    if (others.length !== 1) {
      throw new Error(
        `union ${JSON.stringify(type)}: only ["null", T] maps to a column (a nullable T)`,
      );
    }
    return { ...mapType(others[0] as Avro, namespace, named), nullable: type.includes("null") };
  }
  const logical = typeof type.logicalType === "string" ? logicals[type.logicalType] : undefined;
  if (logical) return logical;
  switch (type.type) {
    case "enum":
      named.set(fullName(type, namespace), type);
      return primitives.string as Mapped;
    case "array": {
      const items = mapType(type.items as Avro, namespace, named);
      return {
        sql: `${items.sql}[]`,
        type: LIST(items.type),
        nullable: false,
        convert: (v) =>
          listValue((v as unknown[]).map((item) => (item === null ? null : items.convert(item)))),
        json: (v) => (v as unknown[]).map((item) => (item === null ? null : items.json(item))),
      };
    }
    case "record": {
      const ns = fullName(type, namespace).split(".").slice(0, -1).join(".");
      named.set(fullName(type, namespace), type);
      const fields = (type.fields as Array<{ name: string; type: Avro }>).map((f) => ({
        name: f.name,
        mapped: mapType(f.type, ns, named),
      }));
      return {
        sql: `STRUCT(${fields.map((f) => `${quoteIdent(f.name)} ${f.mapped.sql}`).join(", ")})`,
        type: STRUCT(Object.fromEntries(fields.map((f) => [f.name, f.mapped.type]))),
        nullable: false,
        json: (v) => {
          const record = v as Record<string, unknown>;
          return Object.fromEntries(
            fields.map((f) => {
              const value = record[f.name];
              return [f.name, value === null || value === undefined ? null : f.mapped.json(value)];
            }),
          );
        },
        convert: (v) => {
          const record = v as Record<string, unknown>;
          return structValue(
            Object.fromEntries(
              fields.map((f) => {
                const value = record[f.name];
                return [
                  f.name,
                  value === null || value === undefined ? null : f.mapped.convert(value),
                ];
              }),
            ),
          );
        },
      };
    }
    case "map": {
      const values = mapType(type.values as Avro, namespace, named);
      return {
        sql: `MAP(VARCHAR, ${values.sql})`,
        type: MAP(VARCHAR, values.type),
        nullable: false,
        convert: (v) =>
          mapValue(
            Object.entries(v as Record<string, unknown>).map(([key, value]) => ({
              key,
              value: value === null ? null : values.convert(value),
            })),
          ),
        json: (v) =>
          Object.fromEntries(
            Object.entries(v as Record<string, unknown>).map(([key, value]) => [
              key,
              value === null ? null : values.json(value),
            ]),
          ),
      };
    }
    case "fixed":
      throw new Error(`Avro ${type.type} has no column mapping yet`);
    default:
      return mapType(type.type as Avro, namespace, named);
  }
}

/** The record behind a field type, when it is a record or a nullable record. */
function recordOf(
  type: Avro,
  namespace: string,
  named: Named,
): { record: { [key: string]: unknown }; nullable: boolean } | undefined {
  if (Array.isArray(type)) {
    const others = type.filter((t) => t !== "null");
    if (others.length !== 1) return undefined;
    const inner = recordOf(others[0] as Avro, namespace, named);
    return inner && { ...inner, nullable: inner.nullable || type.includes("null") };
  }
  if (typeof type === "string") {
    const found = named.get(type.includes(".") ? type : `${namespace}.${type}`);
    return found?.type === "record" ? { record: found, nullable: false } : undefined;
  }
  if (type.type === "record") {
    named.set(fullName(type, namespace), type);
    return { record: type, nullable: false };
  }
  return undefined;
}

/** The columns of one record: top-level records flattened, `path` into the decoded value. */
function fieldColumns(
  fields: ReadonlyArray<{ name: string; type: unknown; doc?: string }>,
  namespace: string,
  named: Named,
  prefix: readonly string[] = [],
  parentNullable = false,
): Column[] {
  const columns: Column[] = [];
  for (const f of fields) {
    const path = [...prefix, f.name];
    const nested = recordOf(f.type as Avro, namespace, named);
    if (nested) {
      const ns = fullName(nested.record, namespace).split(".").slice(0, -1).join(".");
      columns.push(
        ...fieldColumns(
          nested.record.fields as Array<{ name: string; type: unknown; doc?: string }>,
          ns,
          named,
          path,
          parentNullable || nested.nullable,
        ),
      );
      continue;
    }
    const mapped = mapType(f.type as Avro, namespace, named);
    columns.push({
      name: path.join("_"),
      sql: mapped.sql,
      type: mapped.type,
      nullable: parentNullable || mapped.nullable,
      doc: f.doc ?? "",
      path,
      convert: mapped.convert,
      json: mapped.json,
    });
  }
  return columns;
}

/** What every exported row carries besides its event's fields. */
export const metadataColumns: readonly Column[] = [
  ["_partition", "INTEGER", INTEGER, false, "The record's Kafka partition."],
  ["_offset", "BIGINT", BIGINT, false, "The record's offset in its partition."],
  ["_timestamp", "TIMESTAMP", TIMESTAMP, false, "The record's Kafka timestamp (UTC)."],
  ["_key", "VARCHAR", VARCHAR, true, "The record's key (UTF-8)."],
  [
    "_event_type",
    "VARCHAR",
    VARCHAR,
    true,
    "The event's Avro record name (TrackPlayed…); null for a tombstone (a null value).",
  ],
  ["_schema_id", "INTEGER", INTEGER, true, "The registry id of the writer's schema."],
].map(([name, sql, type, nullable, doc]) => ({
  name: name as string,
  sql: sql as string,
  type: type as DuckDBType,
  nullable: nullable as boolean,
  doc: doc as string,
  path: [],
  convert: same,
  json: asIs,
}));

/**
 * The table of a topic: the metadata columns, then every field of its event types in
 * order of first appearance. Throws when two event types give one column different types.
 */
export function topicColumns(entry: Pick<TopicEntry, "name" | "events">): Column[] {
  const byName = new Map<string, Column & { seenIn: number }>();
  for (const event of entry.events) {
    const named: Named = new Map();
    const columns = fieldColumns(event.schema.fields, event.schema.namespace, named);
    for (const column of columns) {
      const known = byName.get(column.name);
      if (!known) {
        byName.set(column.name, { ...column, seenIn: 1 });
        continue;
      }
      if (known.sql !== column.sql) {
        throw new Error(
          `${entry.name}: column ${column.name} is ${known.sql} in one event type and ${column.sql} in ${event.schema.name}`,
        );
      }
      known.nullable ||= column.nullable;
      known.seenIn++;
    }
  }
  const fields = [...byName.values()].map(({ seenIn, ...column }) => ({
    ...column,
    // A column some event types lack is null in their rows.
    nullable: column.nullable || seenIn < entry.events.length,
  }));
  return [...metadataColumns, ...fields];
}

/** `CREATE TABLE` column list. NOT NULL is left out: a typed column is enough for Parquet readers. */
export function columnsSql(columns: readonly Column[]): string {
  return columns.map((c) => `${quoteIdent(c.name)} ${c.sql}`).join(", ");
}

export { quoteIdent };
