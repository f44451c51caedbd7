import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";

/**
 * The one place that builds a Schema Registry client. The registry speaks the
 * Confluent API (Apicurio's ccompat/v7 here, Confluent's own under Docker), and
 * encoded records use the Confluent wire format: magic byte, 4-byte schema id, Avro body.
 */
export function createSchemaRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url }, { [SchemaType.AVRO]: {} });
}

export { type SchemaRegistry, SchemaType };
