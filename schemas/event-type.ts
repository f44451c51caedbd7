/**
 * What the generated code (schemas/generated/) says about each event type: the
 * contract between the schemas, the producers and every consumer.
 *
 *   import { UserRegistered } from "../schemas/generated/auth.ts";
 *   await events.publish(UserRegistered, user.userId, { ...envelope, userId, username, … });
 */
export interface EventType<T> {
  /** The Avro record's full name, e.g. "vobemusic.auth.UserRegistered". */
  readonly name: string;
  /** The topic every event of this type is written to. */
  readonly topic: string;
  /** The Avro schema, exactly as in its .avsc file. */
  readonly schema: AvroRecordSchema;
  /** Type-level only: the TypeScript shape of the decoded value. Never set. */
  readonly __value?: T;
}

export interface AvroRecordSchema {
  type: "record";
  name: string;
  namespace: string;
  doc: string;
  fields: ReadonlyArray<{ name: string; type: unknown; doc: string; default?: unknown }>;
}

/** The value type an EventType describes. */
export type EventValue<E> = E extends EventType<infer T> ? T : never;

/**
 * The registry subject of an event type: one subject per record type in a topic
 * (Confluent's TopicRecordNameStrategy), so a topic can carry every event of one entity,
 * in order, while each type evolves under its own compatibility rule.
 */
export function subjectOf(event: Pick<EventType<unknown>, "topic" | "name">): string {
  return `${event.topic}-${event.name}`;
}
