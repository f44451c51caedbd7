/**
 * Avro schema resolution (the spec's "Schema Resolution" section), as a list of reasons why
 * a reader schema cannot read what a writer schema wrote, each naming the field path.
 * BACKWARD = the new schema reads the old; FORWARD = the old reads the new; FULL = both.
 * The registry gives only a yes/no (Apicurio's ccompat has no messages); this says why.
 */
import type { CompatibilityLevel } from "../platform/registry/confluent-api.ts";

type Schema = unknown;
type Named = Map<string, Record<string, unknown>>;

/** Which schema reads and which wrote, in a check of new against old. */
export type Direction = "new-reads-old" | "old-reads-new";

export interface Incompatibility {
  /** Dotted field path, e.g. "actor.role"; "" for the record itself. */
  path: string;
  direction: Direction;
  message: string;
}

const promotions: Record<string, string[]> = {
  int: ["long", "float", "double"],
  long: ["float", "double"],
  float: ["double"],
  string: ["bytes"],
  bytes: ["string"],
};

/** Collects named types so that a later reference by name resolves to its definition. */
function collectNames(schema: Schema, namespace: string, names: Named): void {
  if (Array.isArray(schema)) {
    for (const s of schema) collectNames(s, namespace, names);
    return;
  }
  if (!schema || typeof schema !== "object") return;
  const s = schema as Record<string, unknown>;
  const ns = typeof s.namespace === "string" ? s.namespace : namespace;
  if (
    (s.type === "record" || s.type === "enum" || s.type === "fixed") &&
    typeof s.name === "string"
  ) {
    names.set(s.name.includes(".") ? s.name : `${ns}.${s.name}`, s);
  }
  if (Array.isArray(s.fields)) {
    for (const f of s.fields as Array<{ type: Schema }>) collectNames(f.type, ns, names);
  }
  if (s.items) collectNames(s.items, ns, names);
  if (s.values) collectNames(s.values, ns, names);
  if (typeof s.type === "object") collectNames(s.type, ns, names);
}

/** A type with references and wrappers ({type: "string", logicalType}) resolved. */
function resolve(schema: Schema, names: Named): Schema {
  if (typeof schema === "string") return names.get(schema) ?? schema;
  if (schema && typeof schema === "object" && !Array.isArray(schema)) {
    const s = schema as Record<string, unknown>;
    // Logical types do not change what can be read: only the underlying type counts.
    if (
      typeof s.type === "string" &&
      !["record", "enum", "fixed", "array", "map"].includes(s.type)
    ) {
      return resolve(s.type, names);
    }
  }
  return schema;
}

function kindOf(schema: Schema): string {
  if (typeof schema === "string") return schema;
  if (Array.isArray(schema)) return "union";
  return String((schema as { type: unknown }).type);
}

function describe(schema: Schema): string {
  if (Array.isArray(schema)) return `union [${schema.map(describe).join(", ")}]`;
  if (typeof schema === "string") return schema;
  const s = schema as Record<string, unknown>;
  if (typeof s.name === "string") return `${s.type} ${s.name}`;
  if (s.type === "array") return `array<${describe(s.items)}>`;
  if (s.type === "map") return `map<${describe(s.values)}>`;
  return String(s.type);
}

const shortName = (name: unknown) => String(name).split(".").pop();

/** A problem as the two schemas see it; worded by `explain` once the direction is known. */
interface Problem {
  path: string;
  kind: "missing-field" | "enum-symbol" | "type" | "name" | "fixed-size";
  detail: string;
  readerType?: string;
  writerType?: string;
}

function readerProblems(
  reader: Schema,
  writer: Schema,
  names: { reader: Named; writer: Named },
  path: string,
): Problem[] {
  const r = resolve(reader, names.reader);
  const w = resolve(writer, names.writer);

  if (Array.isArray(w)) {
    // Every branch the writer may have written must be readable.
    return w.flatMap((branch) => readerProblems(r, branch, names, path));
  }
  if (Array.isArray(r)) {
    const fits = r.some((branch) => readerProblems(branch, w, names, path).length === 0);
    return fits
      ? []
      : [
          {
            path,
            kind: "type",
            detail: describe(w),
            readerType: describe(r),
            writerType: describe(w),
          },
        ];
  }

  const rk = kindOf(r);
  const wk = kindOf(w);
  if (rk !== wk) {
    if (promotions[wk]?.includes(rk)) return [];
    return [{ path, kind: "type", detail: "", readerType: describe(r), writerType: describe(w) }];
  }
  const rs = r as Record<string, unknown>;
  const ws = w as Record<string, unknown>;
  switch (rk) {
    case "record": {
      if (shortName(rs.name) !== shortName(ws.name)) {
        return [{ path, kind: "name", detail: `${ws.name} → ${rs.name}` }];
      }
      const writerFields = ws.fields as Array<{ name: string; type: Schema }>;
      const problems: Problem[] = [];
      for (const field of rs.fields as Array<{
        name: string;
        type: Schema;
        aliases?: string[];
        default?: unknown;
      }>) {
        const fieldPath = path ? `${path}.${field.name}` : field.name;
        const written = writerFields.find(
          (f) => f.name === field.name || field.aliases?.includes(f.name),
        );
        if (written) problems.push(...readerProblems(field.type, written.type, names, fieldPath));
        else if (!("default" in field)) {
          problems.push({ path: fieldPath, kind: "missing-field", detail: field.name });
        }
      }
      return problems;
    }
    case "enum": {
      if (shortName(rs.name) !== shortName(ws.name)) {
        return [{ path, kind: "name", detail: `${ws.name} → ${rs.name}` }];
      }
      if (rs.default !== undefined) return [];
      const known = new Set(rs.symbols as string[]);
      return (ws.symbols as string[])
        .filter((s) => !known.has(s))
        .map((symbol) => ({ path, kind: "enum-symbol" as const, detail: symbol }));
    }
    case "array":
      return readerProblems(rs.items, ws.items, names, `${path}[]`);
    case "map":
      return readerProblems(rs.values, ws.values, names, `${path}{}`);
    case "fixed":
      return rs.size === ws.size
        ? []
        : [{ path, kind: "fixed-size", detail: `${ws.size} → ${rs.size}` }];
    default:
      return [];
  }
}

const requirement: Record<Direction, string> = {
  "new-reads-old": "the new schema to read every record written with the old one",
  "old-reads-new":
    "the old schema (consumers not yet upgraded) to read records written with the new one",
};

function explain(p: Problem, direction: Direction): string {
  const field = `field \`${p.path || "(record)"}\``;
  const newReads = direction === "new-reads-old";
  switch (p.kind) {
    case "missing-field":
      return newReads
        ? `${field} was added without a default, so old records, which lack it, cannot be read`
        : `${field} was removed, and the old schema gives it no default`;
    case "enum-symbol":
      return newReads
        ? `enum symbol \`${p.detail}\` of ${field} was removed, and the enum has no default`
        : `enum symbol \`${p.detail}\` was added to ${field}, and the old enum has no default`;
    case "type": {
      const [oldType, newType] = newReads
        ? [p.writerType, p.readerType]
        : [p.readerType, p.writerType];
      return `${field} changed type from ${oldType} to ${newType}, which is not an Avro promotion`;
    }
    case "name":
      return `${field} changed its record/enum name (${p.detail})`;
    case "fixed-size":
      return `${field} changed its fixed size (${p.detail})`;
  }
}

function problemsOneWay(
  reader: Schema,
  writer: Schema,
  direction: Direction,
  level: CompatibilityLevel,
): Incompatibility[] {
  const names = { reader: new Map(), writer: new Map() };
  collectNames(reader, "", names.reader);
  collectNames(writer, "", names.writer);
  return readerProblems(reader, writer, names, "").map((p) => ({
    path: p.path,
    direction,
    message: `${explain(p, direction)}: ${level} requires ${requirement[direction]}`,
  }));
}

/**
 * Why `next` may not follow `previous` under `level`; empty when it may. Transitive levels
 * apply the same rule to each earlier version (the caller passes each in turn).
 */
export function incompatibilities(
  previous: Schema,
  next: Schema,
  level: CompatibilityLevel,
): Incompatibility[] {
  const base = level.replace(/_TRANSITIVE$/, "");
  const found: Incompatibility[] = [];
  if (base === "BACKWARD" || base === "FULL") {
    found.push(...problemsOneWay(next, previous, "new-reads-old", level));
  }
  if (base === "FORWARD" || base === "FULL") {
    found.push(...problemsOneWay(previous, next, "old-reads-new", level));
  }
  return found;
}
