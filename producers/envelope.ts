import { randomUUID } from "node:crypto";
import type { Actor } from "../schemas/generated/common.ts";

export type { Actor, Role } from "../schemas/generated/common.ts";

/** The envelope every event carries (vobemusic.common fields of each schema). */
export interface Envelope {
  eventId: string;
  occurredAt: Date;
  actor: Actor;
}

/** What the caller knows about why an event happens; travels in headers, not the value. */
export interface EventContext {
  actor: Actor;
  /** Groups every event caused by one user action (usually the HTTP request id). */
  correlationId?: string;
  /** The event (id) that caused this one, when an event caused it. */
  causationId?: string;
  /** W3C trace context of the request, so a trace crosses the log. */
  traceparent?: string;
  /** Event time when it is not "now" (imports, the simulator's back-dated plays). */
  occurredAt?: Date;
}

export const systemActor: Actor = { userId: null, role: "system" };

export function envelope(context: EventContext): Envelope {
  return {
    eventId: randomUUID(),
    occurredAt: context.occurredAt ?? new Date(),
    actor: context.actor,
  };
}

/** Header names, shared by producers and every consumer that reads them. */
export const eventHeaders = {
  eventType: "event-type",
  eventId: "event-id",
  correlationId: "correlation-id",
  causationId: "causation-id",
  traceparent: "traceparent",
} as const;

export function headersFor(
  eventType: string,
  eventId: string,
  context: EventContext,
): Record<string, string> {
  const headers: Record<string, string> = {
    [eventHeaders.eventType]: eventType,
    [eventHeaders.eventId]: eventId,
    [eventHeaders.correlationId]: context.correlationId ?? eventId,
  };
  if (context.causationId) headers[eventHeaders.causationId] = context.causationId;
  if (context.traceparent) headers[eventHeaders.traceparent] = context.traceparent;
  return headers;
}
