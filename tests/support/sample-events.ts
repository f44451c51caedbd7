import { randomUUID } from "node:crypto";
import type { AvroRecordSchema } from "../../schemas/event-type.ts";

/**
 * A valid value for any of our Avro schemas, with every optional field filled in (so the
 * round trip covers it): uuids are fresh, times whole milliseconds, dates real days.
 */
export function sampleValue(schema: unknown): unknown {
  if (Array.isArray(schema)) return sampleValue(schema.find((t) => t !== "null"));
  if (typeof schema === "string") {
    const primitives: Record<string, unknown> = {
      string: "sample text",
      int: 42,
      long: 42,
      float: 1.5,
      double: 1.5,
      boolean: true,
      bytes: Buffer.from("sample"),
    };
    if (!(schema in primitives)) throw new Error(`no sample for named type ${schema}`);
    return primitives[schema];
  }
  const s = schema as Record<string, unknown>;
  if (s.logicalType === "uuid") return randomUUID();
  if (s.logicalType === "timestamp-millis") return new Date(1_764_115_200_123);
  if (s.logicalType === "date") return "2025-11-26";
  switch (s.type) {
    case "record":
      return Object.fromEntries(
        (s.fields as Array<{ name: string; type: unknown }>).map((f) => [
          f.name,
          sampleValue(f.type),
        ]),
      );
    case "enum":
      return (s.symbols as string[]).at(-1);
    case "array":
      return [sampleValue(s.items), sampleValue(s.items)];
    default:
      return sampleValue(s.type);
  }
}

export function sampleEvent(schema: AvroRecordSchema): Record<string, unknown> {
  return sampleValue(schema) as Record<string, unknown>;
}

/**
 * The same value as a client without our logical types decodes it: timestamp-millis as
 * epoch milliseconds, date as days since 1970-01-01, uuid as the string.
 */
export function asPlainAvro(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return Date.parse(`${value}T00:00:00Z`) / 86_400_000;
  }
  if (Array.isArray(value)) return value.map(asPlainAvro);
  if (value && typeof value === "object" && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asPlainAvro(v)]));
  }
  return value;
}
