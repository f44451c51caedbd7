/**
 * The current state of an entity (an artist, album, track, post, comment… as it is now;
 * deleted is final) has one owner: the snapshot topologies, which fold the entity's
 * events into a compacted derived topic, a deleted entity as a tombstone (docs/adr/018).
 * Both sides of that contract live here:
 *
 *   - `snapshots()` writes it: the only fold of entity events into rows (`entityTable`,
 *     private to this module so that no other topology can fold them again);
 *   - `snapshotTable()` reads it: every other topology that needs an entity as it is now
 *     (documents, post details, comment counts) reads its snapshot topic as a table.
 *
 *   content.posts ─▶ entity table ─▶ content.post-snapshots ─▶ snapshotTable ─▶ joins…
 */
import type { EventType } from "../../schemas/event-type.ts";
import { type KTable, Serdes, type StreamsBuilder } from "../engine/index.ts";
import type { DecodedEvent } from "../serdes/avro.ts";
import { type DerivedEnvelope, occurredAtOf, type TopologyOptions, toDerived } from "./common.ts";

/** A row of an entity table, and whether the entity was deleted (deletes are final). */
interface EntityState<R> {
  row: R | null;
  deleted: boolean;
}

/**
 * The current state of each entity of an entity topic (keyed by entity id, several
 * event types): the events are folded into a row per key; a *Deleted event makes the
 * row a tombstone in the table, and later events of a deleted entity are ignored.
 * Rows are JSON in the stores: keep them free of Dates (use epoch milliseconds).
 */
function entityTable<R>(
  builder: StreamsBuilder,
  options: {
    serdes: TopologyOptions["serdes"];
    topic: Pick<EventType<unknown>, "topic">;
    /** The event types that change a row; records of other types are skipped. */
    types: readonly EventType<unknown>[];
    /** Names the source, the store (`<name>-state`) and the table's nodes. */
    name: string;
    /** The row after the event; null deletes the entity. `row` is null before the first. */
    apply: (row: R | null, event: DecodedEvent, timestamp: number) => R | null;
  },
): KTable<string, R> {
  const { serdes, name, apply, types } = options;
  return (
    builder
      .stream<string, DecodedEvent>(serdes.topic(options.topic), {
        keySerde: Serdes.string(),
        valueSerde: serdes.events(types),
        name: `${name}-source`,
        // Event time: the envelope's occurredAt, which the producer also sets as the record
        // timestamp; read from the value so a re-timestamped copy keeps its event time.
        timestampExtractor: (_key, event, recordTimestamp) =>
          occurredAtOf(event) ?? recordTimestamp,
      })
      // Only the listed types change a row; others (an edit that changes nothing counted
      // here, a type added to the topic later) would re-emit an unchanged row.
      .filter((_key, event) => types.some((t) => t.name === event.type), {
        name: `${name}-relevant`,
      })
      .groupByKey({ name: `${name}-grouped` })
      .aggregate<EntityState<R>>(
        () => ({ row: null, deleted: false }),
        (_key, event, state) => {
          if (state.deleted) return state;
          const row = apply(state.row, event, occurredAtOf(event) ?? 0);
          return row === null
            ? { row: null, deleted: state.row !== null }
            : { row, deleted: false };
        },
        { name: `${name}-state`, valueSerde: Serdes.json<EntityState<R>>() },
      )
      .filter((_key, state) => state.row !== null, { name: `${name}-live` })
      .mapValues((state) => state.row as R, { name: `${name}-rows` })
  );
}

/**
 * Writes the snapshot topic `output`: `apply` folds one event into the row (null: the
 * entity is gone; `at` is the event's time), `record` turns the stored row (JSON, no
 * Dates) into the record's fields (default: the row itself).
 */
export function snapshots<R, T extends DerivedEnvelope>(
  builder: StreamsBuilder,
  serdes: TopologyOptions["serdes"],
  name: string,
  types: readonly EventType<unknown>[],
  apply: (row: R | null, event: DecodedEvent, at: number) => R | null,
  output: EventType<T>,
  record: (row: R) => Omit<T, keyof DerivedEnvelope> = (row) =>
    row as unknown as Omit<T, keyof DerivedEnvelope>,
): void {
  const table = entityTable<R>(builder, {
    serdes,
    topic: types[0] as EventType<unknown>,
    types,
    name,
    apply,
  });
  toDerived<string, R, T>(
    table.toStream({ name: `${name}-changes` }),
    output,
    (_id, row) => record(row),
    `${name}-records`,
  ).to(serdes.topic(output), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(output),
    name: `${name}-sink`,
  });
}

/**
 * A snapshot topic read as a table (Kafka Streams' `builder.table` over a compacted
 * topic): an entity as it is now, a tombstone deletes it. `row` keeps what the reader
 * needs (JSON, so the joins' stores stay small and free of Dates); the table changes
 * exactly when the snapshot does, so a reader follows every change of the entity and
 * cannot decide differently what "the entity now" is. The store `<name>-snapshots` holds
 * the snapshots as read. Event time: the snapshot's occurredAt (the time of the entity
 * event that produced it), which is also its record timestamp.
 *
 *   const artists = snapshotTable(builder, serdes, ArtistSnapshot, { name: "artists", row: (a) => ({ name: a.name }) });
 */
export function snapshotTable<T extends DerivedEnvelope, R>(
  builder: StreamsBuilder,
  serdes: TopologyOptions["serdes"],
  type: EventType<T>,
  options: { name: string; row: (snapshot: T) => R },
): KTable<string, R> {
  const { name, row } = options;
  return builder
    .table<string, T>(serdes.topic(type), {
      keySerde: Serdes.string(),
      valueSerde: serdes.derived(type),
      name: `${name}-source`,
      storeName: snapshotStore(name),
      timestampExtractor: (_key, snapshot, recordTimestamp) =>
        snapshot?.occurredAt instanceof Date ? snapshot.occurredAt.getTime() : recordTimestamp,
    })
    .mapValues((snapshot) => row(snapshot), { name: `${name}-rows` });
}

/** The store of a snapshotTable named `name`. */
export const snapshotStore = (name: string) => `${name}-snapshots`;
