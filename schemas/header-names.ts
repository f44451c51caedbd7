/**
 * The names of the headers on every event (docs/events.md, schemas/event-headers.ts): one
 * spelling for the producer layer and the processors' derived records.
 */
export const eventHeaders = {
  eventType: "event-type",
  eventId: "event-id",
  correlationId: "correlation-id",
  causationId: "causation-id",
  traceparent: "traceparent",
} as const;
