/**
 * An example record of an event type, made from its schema alone (pure, deterministic, so
 * the committed catalog does not change from one generation to the next): every field
 * present with a value of its type, as a decoder shows it in JSON. Ids are name-based, the
 * time is a fixed instant, an enum takes its first symbol, an optional field its value.
 */
import { createHash } from "node:crypto";
import type { AvroRecordSchema } from "../../schemas/event-type.ts";

type Avro = string | Avro[] | { [key: string]: unknown };

const exampleInstant = "2026-01-15T12:00:00.000Z";

function nameBasedUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function example(type: Avro, path: string, named: Map<string, Avro>): unknown {
  if (typeof type === "string") {
    switch (type) {
      case "null":
        return null;
      case "boolean":
        return true;
      case "int":
      case "long":
        return 42;
      case "float":
      case "double":
        return 0.5;
      case "string":
        return `<${path.split(".").pop()}>`;
      case "bytes":
        return "<bytes>";
      default: {
        const found = named.get(type) ?? [...named].find(([n]) => n.endsWith(`.${type}`))?.[1];
        return found ? example(found, path, named) : null;
      }
    }
  }
  if (Array.isArray(type)) {
    const other = type.find((t) => t !== "null");
    return other === undefined ? null : example(other, path, named);
  }
  if (type.logicalType === "uuid") return nameBasedUuid(path);
  if (type.logicalType === "timestamp-millis") return exampleInstant;
  if (type.logicalType === "date") return exampleInstant.slice(0, 10);
  switch (type.type) {
    case "record": {
      named.set(String(type.name), type);
      const fields = type.fields as Array<{ name: string; type: Avro }>;
      return Object.fromEntries(
        fields.map((f) => [f.name, example(f.type, `${path}.${f.name}`, named)]),
      );
    }
    case "enum":
      named.set(String(type.name), type);
      return (type.symbols as string[])[0];
    case "array":
      return [example(type.items as Avro, `${path}[]`, named)];
    case "map":
      return { "<key>": example(type.values as Avro, `${path}{}`, named) };
    default:
      return example(type.type as Avro, path, named);
  }
}

export function exampleRecord(schema: AvroRecordSchema): Record<string, unknown> {
  return example(schema as unknown as Avro, schema.name, new Map()) as Record<string, unknown>;
}
