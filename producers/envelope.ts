import { randomUUID } from "node:crypto";
import type { Actor } from "../schemas/generated/common.ts";
import { eventHeaders } from "../schemas/header-names.ts";

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
export { eventHeaders };

const typeNames = new Map<string, Buffer>();

/**
 * The headers of one event, already as bytes: the event type's name is encoded once per
 * type, and the event id once even when it is the correlation id too.
 */
export function headersFor(
  eventType: string,
  eventId: string,
  context: EventContext,
): Map<string, Buffer> {
  return headersWithId(eventType, Buffer.from(eventId, "latin1"), context);
}

/** headersFor, with the event id already as ASCII bytes (see event-ids.ts). */
export function headersWithId(
  eventType: string,
  id: Buffer,
  context: EventContext,
): Map<string, Buffer> {
  let type = typeNames.get(eventType);
  if (!type) {
    type = Buffer.from(eventType);
    typeNames.set(eventType, type);
  }
  const headers = new Map<string, Buffer>();
  headers.set(eventHeaders.eventType, type);
  headers.set(eventHeaders.eventId, id);
  headers.set(
    eventHeaders.correlationId,
    context.correlationId ? Buffer.from(context.correlationId) : id,
  );
  if (context.causationId) headers.set(eventHeaders.causationId, Buffer.from(context.causationId));
  if (context.traceparent) headers.set(eventHeaders.traceparent, Buffer.from(context.traceparent));
  return headers;
}
