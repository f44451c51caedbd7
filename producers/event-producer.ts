import type { KafkaProducer, OutRecord, RecordPosition } from "../platform/kafka/index.ts";
import type { RegistryApi } from "../platform/registry/confluent-api.ts";
import {
  endSpan,
  type Span,
  SpanKind,
  startSpan,
  traceparentOf,
  tracingEnabled,
} from "../platform/telemetry/tracing.ts";
import { type EventType, subjectOf } from "../schemas/event-type.ts";
import {
  type AvroTypeFactory,
  createEncoder,
  type EventEncoder,
  IllFormedTextError,
  platformAvroType,
} from "./encoder.ts";
import { type Envelope, type EventContext, headersWithId } from "./envelope.ts";
import { eventIds } from "./event-ids.ts";

/** What a command's answer carries: the event's id and where it landed. */
export interface PublishedEvent extends RecordPosition {
  eventId: string;
  /** The record's key: the id of the entity the event is about (a command's resource). */
  key: string;
}

/** An event to publish: its type, its entity key, and the fields beyond the envelope. */
export interface PendingEvent<T extends Envelope> {
  type: EventType<T>;
  key: string;
  payload: Omit<T, keyof Envelope>;
  context: EventContext;
}

export interface EventProducer {
  /** Encodes (Avro, via the registry) and writes one event; resolves once acks=all. */
  publish<T extends Envelope>(
    type: EventType<T>,
    key: string,
    payload: Omit<T, keyof Envelope>,
    context: EventContext,
  ): Promise<PublishedEvent>;
  /**
   * Several events in one batch. Every event is encoded before anything is sent, so one
   * invalid event means none is written.
   */
  publishAll(events: ReadonlyArray<PendingEvent<Envelope>>): Promise<PublishedEvent[]>;
  /** Looks up the schema ids now, so a missing registration fails at start-up. */
  prepare(types: ReadonlyArray<EventType<unknown>>): Promise<void>;
}

export function createEventProducer(options: {
  /** A producer, or a transaction of one: only `send` is used. */
  producer: Pick<KafkaProducer, "send">;
  /** Only the schema-id lookup is used: producers never register schemas (vobe topics apply does). */
  registry: Pick<RegistryApi, "lookup">;
  avroType?: AvroTypeFactory;
}): EventProducer {
  const encoders = new Map<string, Promise<EventEncoder<unknown>>>();
  const encoderFor = <T>(type: EventType<T>): Promise<EventEncoder<T>> => {
    const subject = subjectOf(type);
    let encoder = encoders.get(subject);
    if (!encoder) {
      encoder = createEncoder(options.registry, type, options.avroType ?? platformAvroType);
      // A failed lookup is not cached: the next call asks the registry again.
      encoder.catch(() => encoders.delete(subject));
      encoders.set(subject, encoder);
    }
    return encoder as Promise<EventEncoder<T>>;
  };

  // The encoders already resolved, by EventType object: the per-event lookup of a batch
  // is then an identity check, not a subject string and a Map of promises.
  const resolved = new WeakMap<EventType<unknown>, EventEncoder<unknown>>();
  const resolve = async (type: EventType<unknown>): Promise<EventEncoder<unknown>> => {
    const encoder = await encoderFor(type);
    resolved.set(type, encoder);
    return encoder;
  };

  const publishAll = async (
    events: ReadonlyArray<PendingEvent<Envelope>>,
  ): Promise<PublishedEvent[]> => {
    const n = events.length;
    // Every encoder first (one lookup per event type in the batch), so a missing schema
    // fails the batch before anything is encoded.
    const encoders = new Array<EventEncoder<unknown>>(n);
    let lastType: EventType<unknown> | undefined;
    let last: EventEncoder<unknown> | undefined;
    for (let i = 0; i < n; i++) {
      const type = (events[i] as PendingEvent<Envelope>).type;
      if (type !== lastType || last === undefined) {
        last = resolved.get(type) ?? (await resolve(type));
        lastType = type;
      }
      encoders[i] = last;
    }
    const records = new Array<OutRecord>(n);
    // One instant for the batch: the events are accepted together, and a Date and a
    // BigInt per event were a measurable part of the layer's cost on the play stream.
    const now = new Date();
    const nowTimestamp = BigInt(now.getTime());
    const { ids, ascii } = eventIds(n);
    // With tracing on, each event is a span of its request's trace, and its traceparent
    // header names that span: the processors and sinks continue from the event itself.
    const spans: Array<Span | undefined> | undefined = tracingEnabled() ? new Array(n) : undefined;
    for (let i = 0; i < n; i++) {
      const event = events[i] as PendingEvent<Envelope>;
      // A key is text too (Buffer.from would put U+FFFD in place of a lone surrogate).
      if (!event.key.isWellFormed()) {
        throw new IllFormedTextError(event.type.name, [{ path: "(key)", value: event.key }]);
      }
      let context = event.context;
      if (spans) {
        const span = startSpan(`publish ${event.type.topic}`, {
          parent: context.traceparent,
          kind: SpanKind.PRODUCER,
          attributes: {
            "messaging.system": "kafka",
            "messaging.destination.name": event.type.topic,
            "vobe.event.type": event.type.name,
            "vobe.event.id": ids[i] as string,
          },
        });
        spans[i] = span;
        if (span) context = { ...context, traceparent: traceparentOf(span) };
      }
      const occurredAt = context.occurredAt ?? now;
      const env: Envelope = { eventId: ids[i] as string, occurredAt, actor: context.actor };
      // Envelope and payload go to the encoder separately: no merged object per event.
      const value = (encoders[i] as EventEncoder<unknown>).encodeParts(env, event.payload);
      records[i] = {
        topic: event.type.topic,
        key: Buffer.from(event.key),
        value,
        headers: headersWithId(event.type.name, ascii.subarray(36 * i, 36 * i + 36), context),
        timestamp: occurredAt === now ? nowTimestamp : BigInt(occurredAt.getTime()),
      };
    }
    let positions: RecordPosition[];
    try {
      positions = await options.producer.send(records);
    } catch (error) {
      for (const span of spans ?? []) endSpan(span, error);
      throw error;
    }
    const published = new Array<PublishedEvent>(n);
    for (let i = 0; i < n; i++) {
      const { topic, partition, offset } = positions[i] as RecordPosition;
      const key = (events[i] as PendingEvent<Envelope>).key;
      published[i] = { topic, partition, offset, eventId: ids[i] as string, key };
      const span = spans?.[i];
      if (span) {
        span.setAttributes({
          "messaging.destination.partition.id": String(partition),
          "messaging.kafka.offset": Number(offset),
        });
        span.end();
      }
    }
    return published;
  };

  return {
    async publish(type, key, payload, context) {
      const [published] = await publishAll([
        { type, key, payload, context } as unknown as PendingEvent<Envelope>,
      ]);
      return published as PublishedEvent;
    },
    publishAll,
    async prepare(types) {
      await Promise.all(types.map((t) => encoderFor(t)));
    },
  };
}
