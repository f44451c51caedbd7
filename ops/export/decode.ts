/**
 * Confluent-framed Avro values (magic byte 0, 4-byte schema id, body) decoded to the
 * topic's current schemas: a record written with an older schema is resolved to the
 * event type's schema in schemas/ (added fields get their defaults), so every file of a
 * topic has the same columns. Logical types are left raw (millis, days, strings): the
 * column mapping converts them once.
 */
import avro from "avsc";
import type { TopicEntry } from "../../schemas/catalog.ts";

export interface Decoded {
  schemaId: number;
  /** The event type's record name (TrackPlayed). */
  eventType: string;
  value: Record<string, unknown>;
}

interface Reader {
  eventType: string;
  type: avro.Type;
  resolver: ReturnType<avro.Type["createResolver"]>;
}

async function schemaById(registryUrl: string, id: number): Promise<string> {
  const response = await fetch(`${registryUrl.replace(/\/+$/, "")}/schemas/ids/${id}`, {
    headers: { accept: "application/vnd.schemaregistry.v1+json" },
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok)
    throw new Error(`schema id ${id}: the registry answered HTTP ${response.status}`);
  return ((await response.json()) as { schema: string }).schema;
}

export function createDecoder(registryUrl: string, entry: Pick<TopicEntry, "name" | "events">) {
  const readers = new Map(
    entry.events.map((e) => [
      `${e.schema.namespace}.${e.schema.name}`,
      { eventType: e.schema.name, type: avro.Type.forSchema(e.schema as avro.Schema) },
    ]),
  );
  const byId = new Map<number, Reader>();

  return {
    /** The schema id of a value, or an error for a value that is not Confluent-framed Avro. */
    schemaIdOf(value: Buffer): number {
      if (value.length < 5 || value[0] !== 0) {
        throw new Error(`${entry.name}: a value without the Confluent wire format's magic byte`);
      }
      return value.readInt32BE(1);
    },
    /** Fetches the writer schemas of these ids that are not known yet. */
    async prepare(ids: Iterable<number>): Promise<void> {
      for (const id of new Set(ids)) {
        if (byId.has(id)) continue;
        const writer = avro.Type.forSchema(JSON.parse(await schemaById(registryUrl, id)));
        const reader = readers.get(writer.name ?? "");
        if (!reader) {
          throw new Error(
            `${entry.name}: schema id ${id} is ${writer.name}, not an event type of this topic (${[...readers.keys()].join(", ")})`,
          );
        }
        byId.set(id, { ...reader, resolver: reader.type.createResolver(writer) });
      }
    },
    /** Decodes a value whose schema id was prepared. */
    decode(value: Buffer): Decoded {
      const schemaId = value.readInt32BE(1);
      const reader = byId.get(schemaId);
      if (!reader) throw new Error(`schema id ${schemaId} was not prepared`);
      return {
        schemaId,
        eventType: reader.eventType,
        value: reader.type.fromBuffer(value.subarray(5), reader.resolver) as Record<
          string,
          unknown
        >,
      };
    },
  };
}
