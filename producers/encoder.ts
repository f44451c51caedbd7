import avro from "avsc";
import type { RegistryApi } from "../platform/registry/confluent-api.ts";
import { logicalTypes } from "../platform/registry/logical-types.ts";
import { type EventType, subjectOf } from "../schemas/event-type.ts";
import { compileWireWriter, UnsupportedSchemaError, type WireWriter } from "./avro-writer.ts";
import type { Envelope } from "./envelope.ts";

/** A value that does not fit its event's schema; nothing was produced. */
export class EventValidationError extends Error {
  constructor(
    readonly eventType: string,
    readonly fields: ReadonlyArray<{ path: string; value: unknown }>,
  ) {
    super(
      `${eventType} does not match its schema: ${fields.map((f) => `${f.path || "(value)"} = ${describe(f.value)}`).join("; ")}`,
    );
    this.name = "EventValidationError";
  }
}

/**
 * A string of the event (or its key) is not well-formed Unicode: it holds a lone
 * surrogate, which has no UTF-8 form. Written, it would be bytes that Avro readers in
 * other languages refuse, in a topic that keeps them forever; nothing was produced.
 */
export class IllFormedTextError extends EventValidationError {
  constructor(eventType: string, fields: ReadonlyArray<{ path: string; value: unknown }>) {
    super(eventType, fields);
    this.name = "IllFormedTextError";
    this.message = `${eventType}: ${fields.map((f) => f.path).join(", ")} ${fields.length > 1 ? "are" : "is"} not well-formed Unicode (a lone surrogate); nothing was produced`;
  }
}

/** Every string of a value (an event about to be encoded) that is not well-formed, by path. */
export function illFormedStrings(
  value: unknown,
  path = "",
  out: Array<{ path: string; value: unknown }> = [],
): Array<{ path: string; value: unknown }> {
  if (typeof value === "string") {
    if (!value.isWellFormed()) out.push({ path, value });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) illFormedStrings(value[i], join(path, String(i)), out);
  } else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    for (const [key, v] of Object.entries(value)) illFormedStrings(v, join(path, key), out);
  }
  return out;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The schema is not registered under its subject: `vobe topics apply` has not run. */
export class SchemaNotRegisteredError extends Error {
  constructor(subject: string) {
    super(`no registered schema for ${subject}; run "./vobe topics apply"`);
    this.name = "SchemaNotRegisteredError";
  }
}

function describe(value: unknown): string {
  // An invalid Date has no ISO form (toISOString throws): it is shown as such.
  const text =
    value instanceof Date
      ? Number.isNaN(value.getTime())
        ? "Invalid Date"
        : value.toISOString()
      : JSON.stringify(value);
  return text === undefined ? "undefined" : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export type AvroTypeFactory = (schema: unknown) => avro.Type;

/** avsc types with the platform's logical types (Date for timestamps, checked uuids and dates). */
export const platformAvroType: AvroTypeFactory = (schema) =>
  avro.Type.forSchema(schema as avro.Schema, { logicalTypes });

/**
 * Encodes values of one event type in the Confluent wire format (magic 0, schema id,
 * Avro body) synchronously: the schema id is looked up once, not per record.
 */
export interface EventEncoder<T> {
  readonly schemaId: number;
  encode(value: T): Buffer;
  /**
   * The same bytes as `encode({ ...envelope, ...payload })`, without building the merged
   * value: each field is read from the payload, then from the envelope.
   */
  encodeParts(envelope: Envelope, payload: object): Buffer;
}

/** For `encode(value)`: a whole value, nothing to take from an envelope. */
const noEnvelope = Object.freeze({});

export async function createEncoder<T>(
  registry: Pick<RegistryApi, "lookup">,
  event: EventType<T>,
  avroType: AvroTypeFactory = platformAvroType,
): Promise<EventEncoder<T>> {
  const subject = subjectOf(event);
  const schemaId = await registry.lookup(subject, JSON.stringify(event.schema));
  if (schemaId === null) throw new SchemaNotRegisteredError(subject);
  const type = avroType(event.schema);
  const writer = avroType === platformAvroType ? wireWriterOf(type, schemaId) : undefined;
  // The reference path, and the fallback for every value the compiled writer does not
  // accept: avsc writes it, or names the invalid (or ill-formed) fields. Encoded straight after the
  // 5-byte header into a scratch buffer, then copied out once; the scratch grows when a
  // record does not fit.
  let scratch = Buffer.alloc(4096);
  const encodeWithAvsc = (value: unknown): Buffer => {
    let end: number;
    try {
      end = type.encode(value, scratch, 5);
      while (end < 0) {
        scratch = Buffer.alloc(scratch.length * 2 - end);
        end = type.encode(value, scratch, 5);
      }
    } catch {
      throw new EventValidationError(event.name, invalidFields(type, value));
    }
    // avsc writes a lone surrogate as bytes that are not UTF-8. Checked after the schema,
    // so a value that is invalid anyway is described as before.
    const illFormed = illFormedStrings(value);
    if (illFormed.length > 0) throw new IllFormedTextError(event.name, illFormed);
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, 5, 5, end);
    out.writeUInt8(0, 0);
    out.writeInt32BE(schemaId, 1);
    return out;
  };
  if (!writer) {
    return {
      schemaId,
      encode: encodeWithAvsc,
      encodeParts: (envelope, payload) => encodeWithAvsc({ ...envelope, ...payload }),
    };
  }
  return {
    schemaId,
    encode: (value) => writer(noEnvelope, value as object) ?? encodeWithAvsc(value),
    encodeParts: (envelope, payload) =>
      writer(envelope, payload) ?? encodeWithAvsc({ ...envelope, ...payload }),
  };
}

/** The compiled writer of a type (producers/avro-writer.ts), or none: avsc then does it all. */
function wireWriterOf(type: avro.Type, schemaId: number): WireWriter | undefined {
  try {
    return compileWireWriter(type, schemaId);
  } catch (error) {
    if (error instanceof UnsupportedSchemaError) return undefined;
    throw error;
  }
}

/** Only on the failure path: every field of `value` that the type refuses, by path. */
function invalidFields(type: avro.Type, value: unknown): Array<{ path: string; value: unknown }> {
  const fields: Array<{ path: string; value: unknown }> = [];
  type.isValid(value, {
    errorHook: (path: string[], fieldValue: unknown) => {
      fields.push({ path: path.join("."), value: fieldValue });
    },
  });
  return fields.length > 0 ? fields : [{ path: "", value }];
}
