import { SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import { logicalTypes } from "./logical-types.ts";

/**
 * The one place that builds a Schema Registry client. The registry speaks the
 * Confluent API (Apicurio's ccompat/v7 here, Confluent's own under Docker), and
 * encoded records use the Confluent wire format: magic byte, 4-byte schema id, Avro body.
 * Logical types map to Date / "YYYY-MM-DD" / checked uuid strings (logical-types.ts).
 */
export function createSchemaRegistry(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url }, { [SchemaType.AVRO]: { logicalTypes } });
}

export { type SchemaRegistry, SchemaType };
