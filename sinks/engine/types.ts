import type { InRecord } from "../../platform/kafka/index.ts";
import type { PoolClient } from "../../platform/postgres/pool.ts";
import type { EventType } from "../../schemas/event-type.ts";
import type { ColumnTypes } from "./rows.ts";

/** A record the sink decoded: its value, the event type named by its header, and where it was. */
export interface DecodedRecord<T = unknown> {
  record: InRecord;
  /** The `event-type` header: the record's Avro full name. */
  type: string;
  key: string | null;
  event: T;
}

/** Where one batch of a view version is written. */
export interface BatchScope {
  /** The version's Postgres schema, e.g. `content_v1`. */
  schema: string;
  /** Column types of the version's tables (from the catalog), for typed multi-row statements. */
  columns: ColumnTypes;
  version: number;
}

/**
 * One batch: records are added in log order (per partition), then written by `flush`
 * inside the sink's transaction, which also stores the new positions. `add` may throw
 * RejectedRecord: that record goes to the dead-letter topic and the batch goes on.
 */
export interface ViewBatch {
  add(record: DecodedRecord): void;
  flush(client: PoolClient): Promise<void>;
}

/** A materialized view: what it reads, where it lives, how it applies a batch. */
export interface ViewDefinition {
  /** The view's name, e.g. "content": the stable schema and the dead-letter topic derive from it. */
  readonly name: string;
  /** The Postgres database it lives in (one per service). */
  readonly database: string;
  /** Folder of `NNN-*.sql` migrations, applied in order to each new version's schema. */
  readonly migrationsDir: string;
  /** The event types it reads, unprefixed; the sink reads every partition of their topics. */
  readonly events: readonly EventType<unknown>[];
  /**
   * Names of the derived-table types among `events` whose tombstones (null values: the
   * key's state is gone) the view receives, as records of that type with a null event.
   * Other tombstones are skipped.
   */
  readonly tombstones?: readonly string[];
  /**
   * The oldest version this definition can run (default 1). A live version below it was
   * built by an earlier, incompatible definition: the sinks build this one from offset 0
   * beside it and swap before serving (sinks/runtime.ts `activate`).
   */
  readonly minVersion?: number;
  batch(scope: BatchScope): ViewBatch;
  /** Runs once when a sink of a version starts (e.g. creates the version's search indices). */
  prepare?(scope: BatchScope): Promise<void>;
  /** Runs inside the swap to `version` (e.g. moves search aliases). */
  onSwap?(version: number): Promise<void>;
}

/** A record the view refuses (e.g. a negative duration): dead-lettered, the sink goes on. */
export class RejectedRecord extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RejectedRecord";
  }
}

/**
 * A view whose batch dispatches on the event type: `on(TrackPlayed, (e, ctx) => …)`.
 * The handlers write through the batch's helper (`state`), created per batch.
 */
export interface Handler<S> {
  readonly type: string;
  readonly apply: (event: never, state: S, record: DecodedRecord) => void;
  /** Whether it also receives the type's tombstones (see `onState`). */
  readonly tombstones?: boolean;
}

export function on<T, S>(
  type: EventType<T>,
  apply: (event: T, state: S, record: DecodedRecord<T>) => void,
): Handler<S> {
  return { type: type.name, apply: apply as Handler<S>["apply"] };
}

/**
 * A handler of a derived table's records (the latest state of a key, written by a
 * processor): `state` is null for a tombstone, when the key's state is gone.
 */
export function onState<T, S>(
  type: EventType<T>,
  apply: (state: T | null, batch: S, record: DecodedRecord<T | null>) => void,
): Handler<S> {
  return { type: type.name, apply: apply as Handler<S>["apply"], tombstones: true };
}
