/**
 * Every Kafka record header the platform writes, as the analysts' catalog documents it
 * (docs/events.md, rendered by schemas/events-doc.ts). The names are spelled out here, not
 * imported, so that this stays documentation; tests/unit/event-headers.test.ts checks them
 * against what the writers use (producers/envelope.ts `eventHeaders`, the derived records'
 * `derivedHeaders`, the engine's and the sinks' dead letters) and against real records.
 */

export interface HeaderDoc {
  name: string;
  /** Who writes it, on which records, and when it is absent. */
  written: string;
  format: string;
  meaning: string;
}

/** On the events of every topic in the catalog: the producer layer's and the processors'. */
export const eventHeaderDocs: readonly HeaderDoc[] = [
  {
    name: "event-type",
    written: "every event (the producer layer) and every derived record, tombstones included",
    format: "text: the value's Avro full name, e.g. `vobemusic.listening.TrackPlayed`",
    meaning:
      "which schema the value has: route on it (the schema id in the value's first bytes says the same). On a derived tombstone, the type of the values it deletes",
  },
  {
    name: "event-id",
    written: "every event and every derived record, except tombstones",
    format: "uuid text (36 characters)",
    meaning: "the value's own `eventId`: drop duplicates by it",
  },
  {
    name: "correlation-id",
    written:
      "every event; a derived record carries its input's. Also the only header of the API's credential tombstone (`auth.credentials`, on erasure)",
    format:
      "text, at most 128 of `A-Z a-z 0-9 . _ : -`: the API request's id (the client's `X-Request-Id` when it looks like one, else a uuid); for an event no request caused, its own `event-id` or the importer's uuid",
    meaning: "groups every record one user action caused, across topics",
  },
  {
    name: "causation-id",
    written:
      "derived records (the processors); the producer layer only when its caller names a cause, which no API command does (a person, not an event, caused those)",
    format: "uuid text",
    meaning:
      "the `event-id` of the event that caused this one: for a derived record, the input event that last changed it",
  },
  {
    name: "traceparent",
    written:
      "with tracing on (OTEL_EXPORTER_OTLP_ENDPOINT set, docs/adr/031-traces-and-logs.md): every event of an API request, and every record derived from a traced one. With tracing off: the events of a request that carried a valid W3C `traceparent` header, as the client sent it, and the records derived from them; absent otherwise",
    format: "W3C Trace Context: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`",
    meaning:
      "joins the record to the distributed trace of the request that caused it. With tracing on the parent id names the span that wrote the record: the producer layer's `publish <topic>` span for an event (a child of the request's span), the processor's `process <application>` span for a derived record (a child of its input's). A consumer continues the trace with a span whose parent is this header: the sinks' `apply <view>`, the live route's `sse <event>`",
  },
];

/**
 * On a streams application's dead letters (`<application id>-dlq`): the failed input
 * record's key, value and headers, plus these (processors/engine/runtime/streams-app.ts).
 */
export const engineDeadLetterHeaderDocs: readonly HeaderDoc[] = [
  {
    name: "vobe.error.stage",
    written: "every dead letter of a streams application",
    format: "`deserialize`, `process` or `produce`",
    meaning: "where the record failed",
  },
  {
    name: "vobe.error.node",
    written: "every dead letter of a streams application",
    format: "text: a processor node's name",
    meaning: "the topology node that failed",
  },
  {
    name: "vobe.error.message",
    written: "every dead letter of a streams application",
    format: "text",
    meaning: "the error's message",
  },
  {
    name: "vobe.origin.topic",
    written: "every dead letter of a streams application",
    format: "text: a topic name",
    meaning: "where the failed record was read",
  },
  {
    name: "vobe.origin.partition",
    written: "every dead letter of a streams application",
    format: "decimal integer",
    meaning: "its partition",
  },
  {
    name: "vobe.origin.offset",
    written: "every dead letter of a streams application",
    format: "decimal integer",
    meaning: "its offset (a dead letter written twice after a failed commit has the same origin)",
  },
];

/**
 * On a view's dead letters (`<view>-dlq`): the refused record's key, value and headers,
 * plus these (sinks/engine/dlq.ts).
 */
export const sinkDeadLetterHeaderDocs: readonly HeaderDoc[] = [
  {
    name: "dlq-error",
    written: "every dead letter of a sink",
    format: "text, at most 4,000 characters",
    meaning: "why the view could not take the record",
  },
  {
    name: "dlq-error-kind",
    written: "every dead letter of a sink",
    format:
      "`decode` (not an event the view can read) or `rejected` (the view or its database refused it)",
    meaning: "the kind of failure",
  },
  {
    name: "dlq-view",
    written: "every dead letter of a sink",
    format: "text: a view's name",
    meaning: "the view that refused it",
  },
  {
    name: "dlq-origin-topic",
    written: "every dead letter of a sink",
    format: "text: a topic name",
    meaning: "where the record was read",
  },
  {
    name: "dlq-origin-partition",
    written: "every dead letter of a sink",
    format: "decimal integer",
    meaning: "its partition",
  },
  {
    name: "dlq-origin-offset",
    written: "every dead letter of a sink",
    format: "decimal integer",
    meaning: "its offset (a dead letter written twice after a failed commit has the same origin)",
  },
  {
    name: "dlq-origin-timestamp",
    written: "every dead letter of a sink",
    format: "decimal integer, milliseconds since the epoch",
    meaning: "its timestamp",
  },
];
