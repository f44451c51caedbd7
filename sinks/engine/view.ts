import type { PoolClient } from "../../platform/postgres/pool.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { RowWriter } from "./rows.ts";
import type { BatchScope, DecodedRecord, Handler, ViewBatch, ViewDefinition } from "./types.ts";

/** What a batch's handlers write through; flushed once per batch. */
export interface BatchState {
  flush(client: PoolClient): Promise<void>;
}

/**
 * A view made of handlers, one per event type it reads. Records of other types on the
 * same topics are skipped (their offsets still advance).
 */
export function defineView<S extends BatchState = RowWriter>(options: {
  name: string;
  database: string;
  migrationsDir: string;
  events: readonly EventType<unknown>[];
  handlers: readonly Handler<S>[];
  /** A fresh state per batch; a RowWriter on the version's schema by default. */
  state?: (scope: BatchScope) => S;
  /** See ViewDefinition.minVersion. */
  minVersion?: number;
}): ViewDefinition {
  const handlers = new Map(options.handlers.map((h) => [h.type, h]));
  const state =
    options.state ?? ((scope: BatchScope) => new RowWriter(scope.schema, scope.columns) as never);
  return {
    name: options.name,
    database: options.database,
    migrationsDir: options.migrationsDir,
    events: options.events,
    tombstones: options.handlers.filter((h) => h.tombstones).map((h) => h.type),
    ...(options.minVersion === undefined ? {} : { minVersion: options.minVersion }),
    batch(scope): ViewBatch {
      const s = state(scope);
      return {
        add(record: DecodedRecord) {
          handlers.get(record.type)?.apply(record.event as never, s, record);
        },
        flush: (client) => s.flush(client),
      };
    },
  };
}

/** The columns every entity row carries: when it was last written and by which record. */
export function written(record: DecodedRecord): { last_offset: bigint } {
  return { last_offset: record.record.offset };
}
