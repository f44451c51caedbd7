/**
 * What the music topologies share: their options, entity tables folded from event
 * topics, and the envelope of derived records. Only the DSL (engine/index.ts) is used.
 */

import type { EventType } from "../../schemas/event-type.ts";
import type { Actor } from "../../schemas/generated/index.ts";
import {
  type KStream,
  type KTable,
  Serdes,
  type StreamRecord,
  type StreamsBuilder,
} from "../engine/index.ts";
import { type AvroSerdes, type DecodedEvent, nameBasedUuid } from "../serdes/avro.ts";

export interface TopologyOptions {
  /** The application's Avro serdes; their prefix is the topics' prefix too (tests). */
  serdes: AvroSerdes;
}

/** The envelope of a derived record, without the fields of its own. */
export interface DerivedEnvelope {
  eventId: string;
  occurredAt: Date;
  actor: Actor;
}

const system: Actor = { userId: null, role: "system" };

/** Every derived record's actor: a processor computed it, no user caused it. */
export const systemActor: Readonly<Actor> = system;

/**
 * Turns a stream of state (tombstones included) into derived records of `type`: the
 * envelope is added here because it needs the record's event time, which the DSL's
 * value mappers do not see. `eventId` is a name-based UUID of the type, the key, the
 * event time and the content, so a rebuild derives the same ids; `occurredAt` is the
 * event time of the input that produced the state.
 */
export function toDerived<K, V, T extends DerivedEnvelope>(
  /** A table's changes (`toStream()`): a deleted key's value is null, a tombstone. */
  stream: KStream<K, V>,
  type: EventType<T>,
  build: (key: K, value: V) => Omit<T, keyof DerivedEnvelope>,
  name: string,
): KStream<K, T> {
  return stream.process<K, T>(
    () => {
      let forward: (record: StreamRecord<K, T | null>) => void;
      return {
        init(context) {
          forward = (record) => context.forward(record as StreamRecord<K, T>);
        },
        process(record) {
          if (record.value === null || record.value === undefined) {
            forward({ ...record, value: null });
            return;
          }
          const fields = build(record.key, record.value);
          const eventId = nameBasedUuid(
            `${type.name}|${String(record.key)}|${record.timestamp}|${JSON.stringify(fields)}`,
          );
          const value = {
            eventId,
            occurredAt: new Date(record.timestamp),
            actor: system,
            ...fields,
          } as T;
          forward({ ...record, value });
        },
      };
    },
    [],
    { name },
  );
}

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
export function entityTable<R>(
  builder: StreamsBuilder,
  options: {
    serdes: AvroSerdes;
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

/** The envelope's occurredAt in ms, if the value has one. */
export function occurredAtOf(event: DecodedEvent | null): number | undefined {
  const value = event?.value as { occurredAt?: unknown } | undefined;
  return value?.occurredAt instanceof Date ? value.occurredAt.getTime() : undefined;
}
