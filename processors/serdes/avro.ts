/**
 * Avro value serdes for the streams engine, over the Schema Registry (Confluent wire
 * format: magic byte 0, the 4-byte schema id, the Avro body).
 *
 * - Reading: any registered writer schema. Schemas are cached by id; `prepare(bytes)`
 *   returns a promise only on a cache miss (the runtime awaits it before `deserialize`),
 *   so the hot path allocates no promise. A writer whose record is one of the serde's
 *   event types is resolved to that type's current schema (the generated one: added
 *   fields get their defaults); any other record is decoded with its own writer schema.
 * - Writing: the schema id of the event type's subject, looked up once when the serdes
 *   are created (`AvroSerdes.create`), never per record.
 *
 *   const serdes = await AvroSerdes.create(httpRegistry(url), { write: [TrackPlayCount] });
 *   builder.stream("listening.plays", { keySerde: Serdes.string(), valueSerde: serdes.events([TrackPlayed]) })
 */
import { createHash } from "node:crypto";
import avro from "avsc";
import { type RegistryApi, registryApi } from "../../platform/registry/confluent-api.ts";
import { logicalTypes } from "../../platform/registry/logical-types.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import type { Serde } from "../engine/index.ts";

/** What the serdes need from a registry: the id of a subject's schema, a schema by id. */
export interface SchemaLookup {
  /** The id of this exact schema under the subject; null when it is not registered. */
  lookup(subject: string, schema: string): Promise<number | null>;
  /** The schema (JSON text) registered under this id. */
  schemaById(id: number): Promise<string>;
}

/** The registry's Confluent-compatible REST API (Apicurio ccompat/v7 or Confluent). */
export function httpRegistry(
  baseUrl: string,
  api: RegistryApi = registryApi(baseUrl),
): SchemaLookup {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    lookup: (subject, schema) => api.lookup(subject, schema),
    async schemaById(id) {
      const response = await fetch(`${base}/schemas/ids/${id}`, {
        headers: { accept: "application/vnd.schemaregistry.v1+json" },
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) {
        throw new Error(`schema id ${id}: registry answered HTTP ${response.status}`);
      }
      const { schema } = (await response.json()) as { schema: string };
      return schema;
    },
  };
}

/**
 * A registry in memory, for tests under the TopologyTestDriver: `register` hands out
 * ids like a registry does (the same schema under a subject keeps its id).
 */
export function memoryRegistry(): SchemaLookup & {
  register(subject: string, schema: string): number;
} {
  const ids = new Map<string, number>();
  const schemas = new Map<number, string>();
  const canonical = (schema: string) => JSON.stringify(JSON.parse(schema));
  return {
    register(subject, schema) {
      const key = `${subject}\n${canonical(schema)}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = schemas.size + 1;
        schemas.set(id, schema);
        ids.set(key, id);
      }
      return id;
    },
    async lookup(subject, schema) {
      return ids.get(`${subject}\n${canonical(schema)}`) ?? null;
    },
    async schemaById(id) {
      const schema = schemas.get(id);
      if (schema === undefined) throw new Error(`schema id ${id} is not registered`);
      return schema;
    },
  };
}

/**
 * A decoded event and which event type it is: `type` is the full name of the writer's
 * Avro record ("vobemusic.listening.TrackPlayed"), so a topology can branch on it when
 * a topic carries several event types (`isEvent(e, TrackPlayed)`).
 */
export interface DecodedEvent<T = unknown> {
  readonly type: string;
  readonly value: T;
}

/** Narrows a decoded event to one event type. */
export function isEvent<T>(event: DecodedEvent, type: EventType<T>): event is DecodedEvent<T> {
  return event.type === type.name;
}

/** A decoded event's value if it is of this type, else null. */
export function eventValue<T>(event: DecodedEvent, type: EventType<T>): T | null {
  return event.type === type.name ? (event.value as T) : null;
}

const MAGIC = 0;
const HEADER = 5;

interface Writer {
  readonly id: number;
  readonly name: string;
  readonly type: avro.Type;
  /**
   * The same schema without logical types, which resolvers read from: avsc's logical
   * type resolution applies the reader's conversion to what the writer type read, and a
   * logical writer would have converted already (platform DateType would get a string).
   */
  readonly plain: avro.Type;
  /** Resolvers from this writer to reader types, by reader name. */
  readonly resolvers: Map<string, avro.Resolver>;
}

export interface AvroSerdesOptions {
  /** Topic prefix (tests apply a prefixed catalog): subjects are `<prefix><topic>-<name>`. */
  prefix?: string;
  /** Event types to read; their current schema ids are cached up front. */
  read?: readonly EventType<unknown>[];
  /** Event types to write; a missing registration fails here, at start-up. */
  write?: readonly EventType<unknown>[];
}

/** A schema that is not registered under its subject: `vobe topics apply` has not run. */
export class SchemaNotRegistered extends Error {
  constructor(readonly subject: string) {
    super(`no registered schema for ${subject}; run "./vobe topics apply"`);
    this.name = "SchemaNotRegistered";
  }
}

/** The Avro serdes of one processor application, sharing one schema cache. */
export class AvroSerdes {
  private readonly writers = new Map<number, Writer>();
  private readonly pending = new Map<number, Promise<void>>();
  private readonly readerTypes = new Map<string, avro.Type>();
  private readonly writeIds = new Map<string, number>();

  private constructor(
    private readonly registry: SchemaLookup,
    readonly prefix: string,
  ) {}

  /** Looks up the schema ids of every written type (and caches the read ones) now. */
  static async create(
    registry: SchemaLookup,
    options: AvroSerdesOptions = {},
  ): Promise<AvroSerdes> {
    const serdes = new AvroSerdes(registry, options.prefix ?? "");
    for (const type of options.write ?? []) {
      const subject = serdes.subject(type);
      const id = await registry.lookup(subject, JSON.stringify(type.schema));
      if (id === null) throw new SchemaNotRegistered(subject);
      serdes.writeIds.set(type.name, id);
      serdes.cache(id, type.schema);
    }
    for (const type of options.read ?? []) {
      const id = await registry.lookup(serdes.subject(type), JSON.stringify(type.schema));
      // Not registered (yet): records are fetched by id when they arrive. A registered
      // read type may be written too (a table source re-serializes into its store).
      if (id !== null) {
        serdes.cache(id, type.schema);
        if (!serdes.writeIds.has(type.name)) serdes.writeIds.set(type.name, id);
      }
    }
    return serdes;
  }

  /**
   * Serdes over a registry in memory where every given type is registered under its
   * subject: for tests under the TopologyTestDriver (nothing to prepare asynchronously).
   */
  static async inMemory(types: readonly EventType<unknown>[], prefix = ""): Promise<AvroSerdes> {
    const registry = memoryRegistry();
    for (const type of types) {
      const subject = subjectOf({ topic: `${prefix}${type.topic}`, name: type.name });
      registry.register(subject, JSON.stringify(type.schema));
    }
    return AvroSerdes.create(registry, { prefix, read: types, write: types });
  }

  /** The topic as the application sees it (with the prefix). */
  topic(type: Pick<EventType<unknown>, "topic">): string {
    return `${this.prefix}${type.topic}`;
  }

  /** The events of a topic, each with its type; `types` are decoded into their current shape. */
  events(types: readonly EventType<unknown>[]): Serde<DecodedEvent> {
    for (const type of types) this.reader(type);
    return {
      serialize: (value) => {
        if (value === null || value === undefined) return null;
        const type = types.find((t) => t.name === value.type);
        if (!type) throw new Error(`this serde does not write ${value.type}`);
        return this.encode(type, value.value);
      },
      deserialize: (bytes) => {
        if (bytes === null) return null;
        const writer = this.writerOf(bytes);
        const reader = types.some((t) => t.name === writer.name)
          ? this.readerTypes.get(writer.name)
          : undefined;
        return { type: writer.name, value: this.decode(writer, bytes, reader) };
      },
      prepare: (bytes) => this.prepare(bytes),
    };
  }

  /** One event type, both ways: written with its subject's id, read from any writer of it. */
  derived<T>(type: EventType<T>): Serde<T> {
    const reader = this.reader(type);
    return {
      serialize: (value) =>
        value === null || value === undefined ? null : this.encode(type, value),
      deserialize: (bytes) => {
        if (bytes === null) return null;
        const writer = this.writerOf(bytes);
        if (writer.name !== type.name) {
          throw new Error(`expected ${type.name}, got ${writer.name} (schema id ${writer.id})`);
        }
        return this.decode(writer, bytes, reader) as T;
      },
      prepare: (bytes) => this.prepare(bytes),
    };
  }

  /** Fetches the writer schema of `bytes` unless it is cached; undefined when cached. */
  prepare(bytes: Buffer | null): Promise<void> | undefined {
    if (bytes === null || bytes.length < HEADER || bytes[0] !== MAGIC) return undefined;
    const id = bytes.readInt32BE(1);
    if (this.writers.has(id)) return undefined;
    let pending = this.pending.get(id);
    if (!pending) {
      pending = this.registry.schemaById(id).then(
        (schema) => {
          this.cache(id, JSON.parse(schema));
          this.pending.delete(id);
        },
        (error: unknown) => {
          // Not cached: the next record with this id asks again.
          this.pending.delete(id);
          throw error;
        },
      );
      this.pending.set(id, pending);
    }
    return pending;
  }

  private subject(type: EventType<unknown>): string {
    return subjectOf({ topic: this.topic(type), name: type.name });
  }

  private reader(type: EventType<unknown>): avro.Type {
    let reader = this.readerTypes.get(type.name);
    if (!reader) {
      reader = avro.Type.forSchema(type.schema as avro.Schema, { logicalTypes });
      this.readerTypes.set(type.name, reader);
    }
    return reader;
  }

  private cache(id: number, schema: unknown): void {
    if (this.writers.has(id)) return;
    const type = avro.Type.forSchema(schema as avro.Schema, { logicalTypes });
    const name = type.name;
    if (!name) throw new Error(`schema id ${id} is not a named record`);
    const plain = avro.Type.forSchema(schema as avro.Schema);
    this.writers.set(id, { id, name, type, plain, resolvers: new Map() });
  }

  private writerOf(bytes: Buffer): Writer {
    if (bytes.length < HEADER || bytes[0] !== MAGIC) {
      throw new Error("not in the Confluent wire format (magic byte 0, schema id, Avro body)");
    }
    const id = bytes.readInt32BE(1);
    const writer = this.writers.get(id);
    if (!writer) throw new Error(`schema id ${id} is not cached: call prepare(bytes) first`);
    return writer;
  }

  private decode(writer: Writer, bytes: Buffer, reader: avro.Type | undefined): unknown {
    const body = bytes.subarray(HEADER);
    if (!reader) return writer.type.fromBuffer(body);
    let resolver = writer.resolvers.get(reader.name as string);
    if (!resolver) {
      resolver = reader.createResolver(writer.plain);
      writer.resolvers.set(reader.name as string, resolver);
    }
    return reader.fromBuffer(body, resolver);
  }

  private encode(type: EventType<unknown>, value: unknown): Buffer {
    const id = this.writeIds.get(type.name);
    if (id === undefined) {
      throw new Error(`${type.name} was not among the written types given to AvroSerdes.create`);
    }
    const body = this.reader(type).toBuffer(value);
    const out = Buffer.allocUnsafe(HEADER + body.length);
    out.writeUInt8(MAGIC, 0);
    out.writeInt32BE(id, 1);
    body.copy(out, HEADER);
    return out;
  }
}

/**
 * A name-based UUID (version 5 layout, SHA-1) of some text: the eventId of a derived
 * record, so deriving the same state again gives the same id.
 */
export function nameBasedUuid(text: string): string {
  const hash = createHash("sha1").update(text).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
