/**
 * The views the read routes query: each service's Postgres view through its stable schema
 * (`<schemaPrefix><view>`, e.g. `content.posts`; docs/adr/010-sinks.md), one small pool per
 * database, opened on first use. A route reads only its own service's view.
 */
import { databaseUrlFor, type Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin, type KafkaAdmin } from "../../platform/kafka/index.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import {
  positionsTable,
  quote,
  stableSchema,
  type ViewName,
  viewContracts,
} from "../../sinks/contract.ts";
import { unavailable } from "../http/errors.ts";
import { createDerivedProgress } from "./derived-positions.ts";
import { createPositionSignals } from "./position-signals.ts";
import { type ReadPosition, type Unreached, waitForPositions } from "./positions.ts";

export type { ViewName };

export interface ReadPlacement {
  /** Put in front of each view's stable schema (tests run their sinks under their own). */
  schemaPrefix?: string;
  /** Put in front of the search aliases (tests). */
  indexPrefix?: string;
}

export interface ViewReader {
  readonly name: ViewName;
  /**
   * The topics `after` may name (prefixed as the app's): those the view reads, and the
   * inputs its derived topics are computed from (waited for through the processors).
   */
  readonly topics: ReadonlySet<string>;
  /** `schema.table` of the view's stable schema, quoted, for SQL. */
  table(name: string): string;
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** What is still not reached after waiting up to `timeoutMs` (empty: everything is). */
  waitFor(positions: readonly ReadPosition[], timeoutMs: number): Promise<Unreached[]>;
  /**
   * How many partitions `topic` has (asked again when the known count is not above
   * `atLeast`); undefined when Kafka cannot be asked.
   */
  partitionCount(topic: string, atLeast?: number): Promise<number | undefined>;
  /**
   * The end offset of a partition (the next offset to be written), asked again when the
   * known one is not above `atLeast`; undefined when Kafka cannot be asked.
   */
  endOffset(topic: string, partition: number, atLeast?: bigint): Promise<bigint | undefined>;
}

/** Postgres failures that mean "the view cannot be read now", not "the request is wrong". */
const unavailableCodes = new Set([
  "3D000", // the database does not exist (the sinks never ran)
  "3F000", // the schema does not exist
  "42P01", // the table does not exist (the view has not been made live yet)
  "57P01", // admin shutdown
  "57P03", // cannot connect now (starting up)
  "53300", // too many connections
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
]);

export function createReadViews(
  endpoints: Endpoints,
  options: ReadPlacement & { topicPrefix?: string } = {},
) {
  const pools = new Map<string, Pool>();
  let admin: KafkaAdmin | undefined;
  const derived = createDerivedProgress({
    admin: () => {
      admin ??= createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-api-reads" });
      return admin;
    },
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
  });
  const signals = createPositionSignals((database) => databaseUrlFor(endpoints, database));
  const poolOf = (database: string) => {
    let pool = pools.get(database);
    if (!pool) {
      pool = createPool(databaseUrlFor(endpoints, database), 4);
      pools.set(database, pool);
    }
    return pool;
  };
  const readers = new Map<ViewName, ViewReader>();
  // Ends only grow: a known end above the offset asked about answers without Kafka.
  const ends = new Map<string, bigint>();
  const endOffset = async (
    topic: string,
    partition: number,
    atLeast = -1n,
  ): Promise<bigint | undefined> => {
    const key = `${topic}:${partition}`;
    const known = ends.get(key);
    if (known !== undefined && known > atLeast) return known;
    try {
      admin ??= createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-api-reads" });
      // The high watermark, not the last stable offset: another writer's open transaction
      // holds the latter below records that are already written and answered.
      const all = await admin.endOffsets(topic);
      for (const [p, end] of all.entries()) ends.set(`${topic}:${p}`, end);
      return all[partition];
    } catch {
      return known;
    }
  };
  // Partitions are only ever added: a known count is kept, and asked again only when a
  // position names a partition beyond it.
  const partitionCounts = new Map<string, number>();
  const partitionCount = async (topic: string, atLeast = 0): Promise<number | undefined> => {
    const known = partitionCounts.get(topic);
    if (known !== undefined && known > atLeast) return known;
    try {
      admin ??= createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-api-reads" });
      const count = await admin.partitionCount(topic);
      partitionCounts.set(topic, count);
      return count;
    } catch {
      return known;
    }
  };

  const reader = (name: ViewName): ViewReader => {
    const known = readers.get(name);
    if (known) return known;
    const definition = viewContracts[name];
    if (!definition) throw new Error(`no view ${name}`);
    const schema = quote(stableSchema(name, options.schemaPrefix));
    const own = new Set(definition.events.map((e) => `${options.topicPrefix ?? ""}${e.topic}`));
    const topics = new Set([...own, ...derived.inputsOf(own)]);
    const query = async <R>(sql: string, params: unknown[] = []): Promise<R[]> => {
      try {
        return (await poolOf(definition.database).query(sql, params)).rows as R[];
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code && unavailableCodes.has(code)) {
          throw unavailable(
            "view_unavailable",
            `the ${name} view cannot be read now (${code}: ${(error as Error).message})`,
          );
        }
        throw error;
      }
    };
    const consumed = (positions: readonly ReadPosition[], timeoutMs: number) =>
      waitForPositions(
        positions,
        async (wanted) => {
          const rows = await query<{ topic: string; partition: number; next_offset: string }>(
            `select topic, partition, next_offset from ${schema}.${positionsTable} where topic = any($1::text[])`,
            [wanted],
          );
          return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
        },
        timeoutMs,
        signals.of(definition.database, stableSchema(name, options.schemaPrefix)),
      );
    const made: ViewReader = {
      name,
      topics,
      partitionCount,
      endOffset,
      table: (table) => `${schema}.${quote(table)}`,
      query,
      async waitFor(positions, timeoutMs) {
        const deadline = Date.now() + timeoutMs;
        const wanted = positions.filter((p) => own.has(p.topic));
        // A position of an input of the view's derived topics: first through the processor
        // that computes each derived topic from it, then the view must consume that far.
        // The view may read that input too (listening: the plays, and the counts of them).
        for (const position of positions) {
          for (const topic of own) {
            if (topic === position.topic || !derived.inputsOf([topic]).has(position.topic)) {
              continue;
            }
            const reached = await derived.through(position, topic, deadline);
            if ("unreached" in reached) return [reached.unreached];
            wanted.push(...reached.positions);
          }
        }
        return consumed(wanted, Math.max(0, deadline - Date.now()));
      },
    };
    readers.set(name, made);
    return made;
  };

  return {
    reader,
    async close() {
      await signals.close();
      await admin?.close().catch(() => {});
      await Promise.all([...pools.values()].map((p) => p.end()));
      pools.clear();
    },
  };
}

export type ReadViews = ReturnType<typeof createReadViews>;
