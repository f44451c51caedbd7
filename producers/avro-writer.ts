import type avro from "avsc";
import { calendarDays } from "../platform/registry/logical-types.ts";

/**
 * A specialised Avro writer for one event type, compiled once from its avsc type (with the
 * platform's logical types): it writes the Confluent wire format (magic 0, 4-byte schema
 * id, Avro body) straight into a shared slab and hands out a view of it, and reads each
 * top-level field from the payload, then from the envelope, so no merged object is made
 * per record.
 *
 * It accepts only values that avsc (with logical types) also accepts, and then writes the
 * very same bytes (tests/unit/producers-avro-writer.test.ts proves it for every event
 * type). Anything else — an invalid value, a string that is not well-formed Unicode, or
 * merely one it does not know for sure, like a payload that is not a plain object — makes
 * it answer `undefined`, and the caller falls back to avsc, which writes it or names the
 * invalid fields as it always did (producers/encoder.ts refuses ill-formed strings there).
 */
export type WireWriter = (envelope: object, payload: object) => Buffer | undefined;

/** Avsc types that the compiler does not handle: such an event type keeps the avsc path. */
export class UnsupportedSchemaError extends Error {
  override name = "UnsupportedSchemaError";
}

/**
 * Where records are written: a slab that is only ever appended to, so every record handed
 * out is a view that later writes never touch (what Buffer.allocUnsafe's pool does, minus
 * the copy out of a scratch buffer).
 */
interface Slab {
  buf: Buffer;
  pos: number;
}
const slabSize = 64 * 1024;

/** avsc's bounds for a long it writes without loss (types.js isSafeLong). */
const maxSafeLong = 9007199254740990;

// Helpers the generated code calls; small and monomorphic, so V8 inlines them.

/**
 * An Avro zig-zag varint, exactly as avsc's Tap.writeLong: integer arithmetic below 2^30,
 * floating point above. Writes past the end of `buf` are dropped (typed arrays ignore
 * them); the caller sees the overflow in the returned position.
 */
function writeLong(buf: Buffer, pos: number, n: number): number {
  if (n >= -1073741824 && n < 1073741824) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buf[pos++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buf[pos++] = m;
    return pos;
  }
  let f = n >= 0 ? n * 2 : -n * 2 - 1;
  while (f >= 128) {
    buf[pos++] = (f & 0x7f) | 0x80;
    f /= 128;
  }
  buf[pos++] = f & 0x7f;
  return pos;
}

/**
 * An Avro string as avsc's Tap.writeString writes it. ASCII (the ids, enums-as-text, most
 * names) is copied char by char behind a length written up front; anything else takes
 * avsc's own route: Buffer.byteLength, then `utf8Write` above 64 bytes and avsc's manual
 * UTF-8 loop up to 64. Returns -1 for a string that is not well-formed Unicode (see
 * writeStringSlow).
 */
function writeString(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n < 64) {
    let p = pos + 1;
    buf[pos] = n << 1;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return writeStringSlow(buf, pos, s);
      buf[p++] = c;
    }
    return p;
  }
  return writeStringSlow(buf, pos, s);
}

/** 1 for the ASCII hex digits, by char code. */
const hexDigit = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEF") hexDigit[c.charCodeAt(0)] = 1;

/** Copies the chars of s from `from` to `to` (exclusive) to buf at pos; false on a non-hex. */
function hexRun(buf: Buffer, pos: number, s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || hexDigit[c] === 0) return false;
    buf[pos + i] = c;
  }
  return true;
}

/**
 * A uuid logical type's value, checked and written in one pass: the canonical 8-4-4-4-12
 * hex form (isUuid's rule) is 36 ASCII chars, so its length is the single byte 72. Returns
 * -1 for anything else, having written nothing it will keep.
 */
function writeUuid(buf: Buffer, pos: number, s: string): number {
  if (
    s.length !== 36 ||
    s.charCodeAt(8) !== 45 ||
    s.charCodeAt(13) !== 45 ||
    s.charCodeAt(18) !== 45 ||
    s.charCodeAt(23) !== 45
  ) {
    return -1;
  }
  buf[pos++] = 72;
  buf[pos + 8] = 45;
  buf[pos + 13] = 45;
  buf[pos + 18] = 45;
  buf[pos + 23] = 45;
  return hexRun(buf, pos, s, 0, 8) &&
    hexRun(buf, pos, s, 9, 13) &&
    hexRun(buf, pos, s, 14, 18) &&
    hexRun(buf, pos, s, 19, 23) &&
    hexRun(buf, pos, s, 24, 36)
    ? pos + 36
    : -1;
}

/**
 * A lone surrogate has no UTF-8 form: avsc would write it as bytes that other Avro readers
 * (fastavro, Confluent's deserializers) refuse, and a topic keeps them forever. Refused
 * here (-1: no bytes), and by the encoder's avsc path too. Only strings that are not
 * plain ASCII below 64 chars get here, so the check costs the hot path nothing.
 */
function writeStringSlow(buf: Buffer, pos: number, s: string): number {
  if (!s.isWellFormed()) return -1;
  const len = Buffer.byteLength(s);
  pos = writeLong(buf, pos, len);
  if (pos + len > buf.length) return pos + len; // overflow: the caller retries in a new slab
  if (len > 64) {
    buf.write(s, pos, len, "utf8");
    return pos + len;
  }
  // avsc's manual loop (utils.js Tap.prototype.writeString), bounded by the string's end.
  const l = s.length;
  for (let i = 0; i < l; i++) {
    let c1 = s.charCodeAt(i);
    // NaN past the end, as in avsc: never a low surrogate.
    const c2 = s.charCodeAt(i + 1);
    if (c1 < 0x80) {
      buf[pos++] = c1;
    } else if (c1 < 0x800) {
      buf[pos++] = (c1 >> 6) | 0xc0;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && (c2 & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      buf[pos++] = (c1 >> 18) | 0xf0;
      buf[pos++] = ((c1 >> 12) & 0x3f) | 0x80;
      buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    } else {
      buf[pos++] = (c1 >> 12) | 0xe0;
      buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
      buf[pos++] = (c1 & 0x3f) | 0x80;
    }
  }
  return pos;
}

function writeDouble(buf: Buffer, pos: number, d: number): number {
  if (pos + 8 <= buf.length) buf.writeDoubleLE(d, pos);
  return pos + 8;
}

function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos + i] = bytes[i] as number;
  return pos + bytes.length;
}

const helpers = {
  writeLong,
  writeString,
  writeUuid,
  writeDouble,
  writeBytes,
  calendarDays,
  objectPrototype: Object.prototype,
  isArray: Array.isArray,
  isBuffer: Buffer.isBuffer,
};

/** Generates the statements that validate and write `value` (an expression) of `type`. */
class Compiler {
  private readonly constants: unknown[] = [];
  private vars = 0;
  private readonly inProgress = new Set<avro.Type>();

  constant(value: unknown): string {
    this.constants.push(value);
    return `c${this.constants.length - 1}`;
  }

  fresh(): string {
    return `v${this.vars++}`;
  }

  /** Statements writing `v` (a variable name) of `type`; each `return undefined` on refusal. */
  write(type: avro.Type, v: string, depth: string): string {
    const name = type.typeName;
    switch (name) {
      case "null":
        return `if (${v} !== null) return undefined;\n`;
      case "boolean":
        return `if (typeof ${v} !== "boolean") return undefined;\n${depth}buf[pos++] = ${v} ? 1 : 0;\n`;
      case "int":
        // avsc's own test (v === (v | 0)), behind a typeof: a bigint would throw in `|`.
        return `if (typeof ${v} !== "number" || ${v} !== (${v} | 0)) return undefined;\n${depth}pos = writeLong(buf, pos, ${v});\n`;
      case "long":
        return (
          `if (typeof ${v} !== "number" || ${v} % 1 !== 0 || !(${v} >= -${maxSafeLong} && ${v} <= ${maxSafeLong})) return undefined;\n` +
          `${depth}pos = writeLong(buf, pos, ${v});\n`
        );
      case "double":
        return `if (typeof ${v} !== "number") return undefined;\n${depth}pos = writeDouble(buf, pos, ${v});\n`;
      case "string":
        return `if (typeof ${v} !== "string" || (pos = writeString(buf, pos, ${v})) < 0) return undefined;\n`;
      case "logical:uuid":
        this.underlying(type, "string");
        // isUuid's rule, checked while the string is copied.
        return `if (typeof ${v} !== "string" || (pos = writeUuid(buf, pos, ${v})) < 0) return undefined;\n`;
      case "logical:timestamp-millis": {
        this.underlying(type, "long");
        const ms = this.fresh();
        // A Date's time is always an integer within ±8.64e15: a safe long.
        return (
          `if (!(${v} instanceof Date)) return undefined;\n` +
          `${depth}const ${ms} = ${v}.getTime();\n` +
          `${depth}if (${ms} !== ${ms}) return undefined;\n` +
          `${depth}pos = writeLong(buf, pos, ${ms});\n`
        );
      }
      case "logical:date": {
        this.underlying(type, "int");
        const days = this.fresh();
        return (
          `const ${days} = calendarDays(${v});\n` +
          `${depth}if (${days} === undefined) return undefined;\n` +
          `${depth}pos = writeLong(buf, pos, ${days});\n`
        );
      }
      case "enum": {
        const symbols = (type as avro.types.EnumType).symbols;
        const index = this.fresh();
        const cases = symbols.map((s, i) => `case ${JSON.stringify(s)}: ${index} = ${i}; break;`);
        return (
          `let ${index};\n${depth}switch (${v}) { ${cases.join(" ")} default: return undefined; }\n` +
          `${depth}pos = writeLong(buf, pos, ${index});\n`
        );
      }
      case "array": {
        const items = (type as avro.types.ArrayType).itemsType;
        const n = this.fresh();
        const i = this.fresh();
        const item = this.fresh();
        const inner = `${depth}    `;
        return (
          `if (!isArray(${v})) return undefined;\n` +
          `${depth}const ${n} = ${v}.length;\n` +
          `${depth}if (${n} > 0) {\n` +
          `${depth}  pos = writeLong(buf, pos, ${n});\n` +
          `${depth}  for (let ${i} = 0; ${i} < ${n}; ${i}++) {\n` +
          `${inner}const ${item} = ${v}[${i}];\n` +
          `${inner}${this.write(items, item, inner)}` +
          `${depth}  }\n` +
          `${depth}}\n` +
          `${depth}buf[pos++] = 0;\n`
        );
      }
      case "union:unwrapped":
        return this.union(type as avro.types.UnwrappedUnionType, v, depth);
      case "record":
        return (
          `if (${v} === null || typeof ${v} !== "object" || isArray(${v}) || isBuffer(${v})) return undefined;\n` +
          this.fields(
            type as avro.types.RecordType,
            (f, into) => `const ${into} = ${v}.${f};`,
            depth,
          )
        );
      default:
        throw new UnsupportedSchemaError(`no compiled writer for ${name}`);
    }
  }

  /** The fields of a record, read with `read(name)`; a missing one with a default gets it. */
  fields(
    type: avro.types.RecordType,
    read: (field: string, into: string) => string,
    depth: string,
  ): string {
    if (this.inProgress.has(type)) throw new UnsupportedSchemaError(`recursive ${type.name}`);
    this.inProgress.add(type);
    let code = "";
    for (const field of type.fields) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field.name) || field.name in Object.prototype) {
        throw new UnsupportedSchemaError(`field name ${field.name}`);
      }
      const v = this.fresh();
      code += `${depth}// ${field.name}\n${depth}${read(field.name, v)}\n`;
      const fallback = field.defaultValue();
      if (fallback === undefined) {
        code += `${depth}${this.write(field.type, v, depth)}`;
      } else {
        // What avsc's record writer does for an undefined field: its default's bytes.
        const bytes = this.constant(new Uint8Array(field.type.toBuffer(fallback)));
        const inner = `${depth}  `;
        code +=
          `${depth}if (${v} === undefined) {\n${inner}pos = writeBytes(buf, pos, ${bytes});\n` +
          `${depth}} else {\n${inner}${this.write(field.type, v, inner)}${depth}}\n`;
      }
    }
    this.inProgress.delete(type);
    return code;
  }

  /** ["null", T] (either order): the only unions avsc leaves unwrapped that we need. */
  private union(type: avro.types.UnwrappedUnionType, v: string, depth: string): string {
    const branches = type.types;
    const nullAt = branches.findIndex((t) => t.typeName === "null");
    if (branches.length !== 2 || nullAt < 0) {
      throw new UnsupportedSchemaError(`union ${branches.map((t) => t.typeName).join("|")}`);
    }
    const other = branches[1 - nullAt] as avro.Type;
    const inner = `${depth}  `;
    // For every value T's writer accepts, avsc picks T's branch too: T is never null, and
    // a record branch refuses arrays and buffers (whose bucket is not a record's).
    return (
      `if (${v} === null) {\n${inner}buf[pos++] = ${nullAt * 2};\n` +
      `${depth}} else {\n${inner}buf[pos++] = ${(1 - nullAt) * 2};\n` +
      `${inner}${this.write(other, v, inner)}${depth}}\n`
    );
  }

  private underlying(type: avro.Type, expected: string): void {
    const under = (type as avro.types.LogicalType).underlyingType;
    if (under.typeName !== expected) {
      throw new UnsupportedSchemaError(`${type.typeName} over ${under.typeName}`);
    }
  }

  values(): unknown[] {
    return this.constants;
  }
}

/**
 * Compiles the writer of one event type: `type` is its avsc type with the platform's
 * logical types, `schemaId` its registry id. Throws UnsupportedSchemaError for a schema
 * with a construct it does not know (the caller keeps avsc for it).
 */
export function compileWireWriter(type: avro.Type, schemaId: number): WireWriter {
  if (type.typeName !== "record") throw new UnsupportedSchemaError("not a record");
  const compiler = new Compiler();
  const header = [0, (schemaId >>> 24) & 0xff, (schemaId >>> 16) & 0xff, (schemaId >>> 8) & 0xff];
  const body = compiler.fields(
    type as avro.types.RecordType,
    // The merged `{ ...envelope, ...payload }` it replaces: the payload's own field, else
    // the envelope's.
    // (`in` is exact here: the payload's prototype is Object.prototype or none, and no
    // field is named like one of Object.prototype's properties.)
    (f, into) =>
      `let ${into} = p.${f};\n  if (${into} === undefined && !("${f}" in p)) ${into} = e.${f};`,
    "  ",
  );
  const source =
    `return function write(e, p) {\n` +
    // Only a plain payload (or one without a prototype): its fields are then exactly what
    // the spread would copy, with nothing inherited.
    `  if (p === null || typeof p !== "object") return undefined;\n` +
    `  const proto = Object.getPrototypeOf(p);\n` +
    `  if (proto !== objectPrototype && proto !== null) return undefined;\n` +
    `  const buf = slab.buf;\n` +
    `  const start = slab.pos;\n` +
    `  let pos = start;\n` +
    `  buf[pos++] = ${header[0]}; buf[pos++] = ${header[1]}; buf[pos++] = ${header[2]}; buf[pos++] = ${header[3]}; buf[pos++] = ${schemaId & 0xff};\n` +
    body +
    `  if (pos > buf.length) return overflow(e, p, pos - start);\n` +
    `  slab.pos = pos;\n` +
    `  return buf.subarray(start, pos);\n` +
    `};`;
  const names = ["slab", "overflow", ...Object.keys(helpers)];
  const constants = compiler.values();
  const slab: Slab = { buf: Buffer.allocUnsafeSlow(slabSize), pos: 0 };
  // A record that did not fit: a new slab (at least twice its size), then once more.
  const overflow = (e: object, p: object, needed: number): Buffer | undefined => {
    slab.buf = Buffer.allocUnsafeSlow(Math.max(slabSize, needed * 2));
    slab.pos = 0;
    return write(e, p);
  };
  const factory = new Function(...names, ...constants.map((_, i) => `c${i}`), source);
  const write = factory(slab, overflow, ...Object.values(helpers), ...constants) as WireWriter;
  // Start each record with room for a typical one: a fresh slab instead of a retry.
  const guarded: WireWriter = (e, p) => {
    if (slab.buf.length - slab.pos < 1024) {
      slab.buf = Buffer.allocUnsafeSlow(slabSize);
      slab.pos = 0;
    }
    return write(e, p);
  };
  return guarded;
}
