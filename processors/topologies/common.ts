/**
 * What the music topologies share: their options, the envelope and headers of derived
 * records, deduplication. Entity state (folded from event topics, and read back as
 * tables) is snapshots.ts's. Only the DSL (engine/index.ts) is used.
 */

import type { EventType } from "../../schemas/event-type.ts";
import type { Actor } from "../../schemas/generated/index.ts";
import { eventHeaders } from "../../schemas/header-names.ts";
import {
  type KeyValueStore,
  KStream,
  Serdes,
  Stores,
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

/** Header names, as the producer layer writes them. */
const header = eventHeaders;

const typeNames = new Map<string, Buffer>();
const typeHeader = (name: string): Buffer => {
  let bytes = typeNames.get(name);
  if (!bytes) {
    bytes = Buffer.from(name);
    typeNames.set(name, bytes);
  }
  return bytes;
};

/**
 * A derived record's headers describe that record, not the input that last changed the
 * state: `event-type` is the derived type's full name and `event-id` its own eventId, so a
 * consumer that routes on the header decodes with the right schema (issue 12). The input
 * event becomes the `causation-id`; its `correlation-id` and `traceparent` carry over, so a
 * user action can still be followed into what it changed. A tombstone has no event: it
 * carries the type of the values it deletes, and no `event-id`.
 */
export function derivedHeaders(
  typeName: string,
  eventId: string | null,
  input: ReadonlyMap<string, Buffer>,
): Map<string, Buffer> {
  const headers = new Map<string, Buffer>([[header.eventType, typeHeader(typeName)]]);
  if (eventId !== null) headers.set(header.eventId, Buffer.from(eventId, "latin1"));
  const cause = input.get(header.eventId);
  if (cause) headers.set(header.causationId, cause);
  const correlation = input.get(header.correlationId);
  if (correlation) headers.set(header.correlationId, correlation);
  const trace = input.get(header.traceparent);
  if (trace) headers.set(header.traceparent, trace);
  return headers;
}

/**
 * Turns a stream of state (tombstones included) into derived records of `type`: the
 * envelope is added here because it needs the record's event time, which the DSL's
 * value mappers do not see. `eventId` is a name-based UUID of the type, the key, the
 * event time and the content, so a rebuild derives the same ids; `occurredAt` is the
 * event time of the input that produced the state. Headers: see derivedHeaders.
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
            forward({
              key: record.key,
              value: null,
              timestamp: record.timestamp,
              headers: derivedHeaders(type.name, null, record.headers),
            });
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
          forward({
            key: record.key,
            value,
            timestamp: record.timestamp,
            headers: derivedHeaders(type.name, eventId, record.headers),
          });
        },
      };
    },
    [],
    { name },
  );
}

export interface DeduplicateOptions<V> {
  /** Names the processor and its store (`<name>`, changelogged). */
  name: string;
  /** The idempotency key of a value (a play's playId). */
  idOf: (value: V) => string;
  /**
   * How long an id is remembered, in stream time from when it was first seen: a duplicate
   * arriving later than that counts as new. Stream time (the task's highest event time),
   * not the duplicate's own event time, so that back-dated records are checked as well as
   * current ones, and a replay of the log decides exactly as the live run did.
   */
  retentionMs: number;
  /** How often (stream time) expired ids are deleted; default every minute. */
  sweepIntervalMs?: number;
}

/** Fixed-width times, so that the store's byte order is time order. */
const timeKey = (ms: number) => `at:${String(Math.max(0, ms)).padStart(15, "0")}:`;

/**
 * Drops records whose id was already seen (Kafka Streams' deduplication pattern): the
 * first record of an id goes on, later ones within the retention are dropped. The stream
 * must be partitioned so that an id's duplicates reach one task (plays are keyed by track:
 * a play and its copies share a partition). The key is not changed, so a later groupByKey
 * does not repartition.
 *
 * One store, two kinds of keys: `id:<id>` → the stream time it was first seen, and
 * `at:<that time>:<id>` in time order, so expiring ids is a range scan over the expired
 * ones only. An id older than the retention counts as unseen even before the sweep
 * deletes it: what is counted does not depend on when sweeps happen.
 *
 *   const plays = deduplicate(builder, raw, { name: "play-ids", idOf: (e) => e.playId, retentionMs: DAY });
 */
export function deduplicate<K, V>(
  builder: StreamsBuilder,
  stream: KStream<K, V>,
  options: DeduplicateOptions<V>,
): KStream<K, V> {
  const { name, idOf, retentionMs } = options;
  const sweepIntervalMs = options.sweepIntervalMs ?? Math.min(60_000, retentionMs);
  builder.addStateStore(
    // On disk: a day of ids at hundreds of plays per second does not belong in memory.
    Stores.keyValue<string, number>(name, {
      keySerde: Serdes.string(),
      valueSerde: Serdes.long(),
      persistent: true,
    }),
  );
  const deduplicated = stream.process<K, V>(
    () => {
      let store: KeyValueStore<string, number>;
      let streamTime: () => number;
      let forward: (record: StreamRecord<K, V>) => void;
      const sweep = (now: number) => {
        const expired = [...store.range("at:", timeKey(now - retentionMs))];
        for (const [key] of expired) {
          store.delete(key);
          store.delete(`id:${key.slice(key.indexOf(":", 3) + 1)}`);
        }
      };
      return {
        init(context) {
          store = context.getStateStore<KeyValueStore<string, number>>(name);
          streamTime = () => context.currentStreamTime();
          forward = (record) => context.forward(record);
          context.schedule(sweepIntervalMs, "stream-time", sweep);
        },
        process(record) {
          const id = idOf(record.value);
          const now = streamTime();
          const seen = store.get(`id:${id}`);
          if (seen !== undefined && seen >= now - retentionMs) return;
          if (seen !== undefined) store.delete(`${timeKey(seen)}${id}`);
          store.put(`id:${id}`, now);
          store.put(`${timeKey(now)}${id}`, 0);
          forward(record);
        },
      };
    },
    [name],
    { name },
  );
  // The DSL has no processValues (KIP-820) yet: process() must assume the key changed,
  // and a groupByKey after it would repartition the whole stream for nothing.
  return new KStream<K, V>({
    ...deduplicated.state,
    keySerde: stream.state.keySerde,
    valueSerde: stream.state.valueSerde,
    keyChanged: stream.state.keyChanged,
  });
}

/** The envelope's occurredAt in ms, if the value has one. */
export function occurredAtOf(event: DecodedEvent | null): number | undefined {
  const value = event?.value as { occurredAt?: unknown } | undefined;
  return value?.occurredAt instanceof Date ? value.occurredAt.getTime() : undefined;
}
