import type avro from "avsc";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calendarDays, isUuid } from "../../platform/registry/logical-types.ts";
import { compileWireWriter } from "../../producers/avro-writer.ts";
import {
  createEncoder,
  type EventEncoder,
  EventValidationError,
  IllFormedTextError,
  platformAvroType,
} from "../../producers/encoder.ts";
import type { Envelope } from "../../producers/envelope.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { allEventTypes } from "../../schemas/generated/index.ts";

// The compiled writers (producers/avro-writer.ts) against avsc with the platform's
// logical types, the reference they replace on the hot path: the same bytes for every
// valid value of every event type, and for anything else no bytes at all, so that the
// encoder falls back to avsc and names the same invalid fields as before.

type Value = Record<string, unknown>;
const envelopeFields = ["eventId", "occurredAt", "actor"] as const;

/** A Confluent frame as the reference writes it: magic 0, schema id, avsc's body. */
function reference(type: avro.Type, schemaId: number, value: unknown): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, type.toBuffer(value)]);
}

// Strings that exercise every branch of the string writer: ASCII, 2-, 3- and 4-byte UTF-8,
// and lengths around the 64-char / 64-byte thresholds (avsc's two routes). Only
// well-formed ones: a lone surrogate is refused by both paths (see "ill-formed strings").
const text = fc
  .oneof(
    fc.string({ maxLength: 80 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 70 }),
    fc.string({ unit: "binary-ascii", minLength: 60, maxLength: 70 }),
    fc.constantFrom("", "é", "€uro", "😀", "x".repeat(64), "ü".repeat(32), "😀".repeat(16)),
    fc.tuple(fc.string({ maxLength: 40 }), fc.constantFrom("😀", "ß")).map(([s, u]) => s + u),
    // A 4-byte character in strings of 63, 64 and 65 bytes.
    fc.constantFrom(59, 60, 61).map((n) => `😀${"x".repeat(n)}`),
  )
  .filter((s) => s.isWellFormed());
/** Strings with a lone surrogate, below and above avsc's 64-byte threshold. */
const illFormedText = fc.oneof(
  fc.constantFrom("\ud800", "a\udc00b", "\ud83d", "😀\ud83d", "\ude00😀"),
  fc
    .tuple(fc.string({ maxLength: 80 }), fc.constantFrom("\ud800", "\udfff"), fc.nat({ max: 80 }))
    .map(([s, lone, at]) => s.slice(0, at) + lone + s.slice(at)),
  fc.constantFrom(60, 61, 62, 100).map((n) => `\udc00${"x".repeat(n)}`),
);
const uuid = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.constantFrom("00000000-0000-0000-0000-000000000000", "FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF"),
);
const int32 = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 1, 63, 64, -64, -65, 2 ** 30 - 1, 2 ** 30, -(2 ** 30), -(2 ** 30) - 1),
  fc.constantFrom(2 ** 31 - 1, -(2 ** 31), -0),
);
const maxLong = 9007199254740990; // avsc's bound for a long it writes without loss
const long = fc.oneof(
  int32,
  fc.integer({ min: -maxLong, max: maxLong }),
  fc.constantFrom(maxLong, -maxLong, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 2, 1_764_150_930_123),
  // Every power of two past avsc's integer route (2^30): the varint's byte boundaries.
  fc
    .integer({ min: 30, max: 52 })
    .chain((k) => fc.constantFrom(2 ** k, -(2 ** k), 2 ** k - 1, 1 - 2 ** k)),
);
const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(new Date(0), new Date(-1), new Date(8.64e15), new Date(-8.64e15)),
);
const day = fc
  .date({
    min: new Date("0100-01-01T00:00:00Z"),
    max: new Date("9999-12-31T00:00:00Z"),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10));

/** Valid values of an avsc type; a field with a default is sometimes left out. */
function arbitrary(type: avro.Type): fc.Arbitrary<unknown> {
  switch (type.typeName) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "int":
      return int32;
    case "long":
      return long;
    case "double":
      return fc.double();
    case "string":
      return text;
    case "logical:uuid":
      return uuid;
    case "logical:timestamp-millis":
      return timestamp;
    case "logical:date":
      return day;
    case "enum":
      return fc.constantFrom(...(type as avro.types.EnumType).symbols);
    case "array":
      return fc.array(arbitrary((type as avro.types.ArrayType).itemsType), { maxLength: 6 });
    case "map":
      return fc.dictionary(text, arbitrary((type as avro.types.MapType).valuesType), {
        maxKeys: 4,
      });
    case "union:unwrapped":
      return fc.oneof(...(type as avro.types.UnwrappedUnionType).types.map(arbitrary));
    case "record": {
      const fields = (type as avro.types.RecordType).fields;
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, arbitrary(f.type)])), {
        requiredKeys: fields.filter((f) => f.defaultValue() === undefined).map((f) => f.name),
      });
    }
    default:
      throw new Error(`no arbitrary for ${type.typeName}`);
  }
}

/**
 * A value split as the producer layer splits it: the envelope fields in the envelope, the
 * rest in the payload; sometimes the payload also carries (and so overrides) some of the
 * envelope's fields, whose envelope copies are then decoys.
 */
function split(
  value: Value,
  moved: ReadonlyArray<boolean>,
  decoy: Value,
): { env: Value; payload: Value } {
  const env: Value = {};
  const payload: Value = {};
  for (const [key, v] of Object.entries(value)) {
    const at = envelopeFields.indexOf(key as (typeof envelopeFields)[number]);
    if (at < 0) payload[key] = v;
    else if (moved[at]) {
      payload[key] = v;
      env[key] = decoy[key];
    } else env[key] = v;
  }
  return { env, payload };
}

const registry = { lookup: async () => 1 };
/** The encoder as it was: avsc only (a factory other than platformAvroType compiles nothing). */
const avscOnly = (schema: unknown) => platformAvroType(schema);

function errorOf(f: () => unknown): EventValidationError | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof EventValidationError) return e;
    throw e;
  }
  return undefined;
}

describe.each(allEventTypes.map((t) => [t.name, t] as const))(
  "the compiled writer of %s",
  (_name, event) => {
    const type = platformAvroType(event.schema);
    const valid = arbitrary(type) as fc.Arbitrary<Value>;
    const schemaIds = fc.oneof(fc.constantFrom(1, 255, 256, 0x7fffffff, 0x12345678), fc.nat());

    it("writes exactly avsc's bytes for every valid value, however envelope and payload share it", () => {
      fc.assert(
        fc.property(
          valid,
          valid,
          schemaIds,
          fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
          (value, decoy, schemaId, moved) => {
            const write = compileWireWriter(type, schemaId);
            const { env, payload } = split(value, moved, decoy);
            const written = write(env, payload);
            expect(written).toBeDefined();
            expect((written as Buffer).equals(reference(type, schemaId, value))).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("writes one record after another into views that later records leave alone", () => {
      const write = compileWireWriter(type, 7);
      const values = fc.sample(valid, { numRuns: 400, seed: 42 });
      const written = values.map((v) => write({}, v) as Buffer);
      values.forEach((v, i) => {
        expect(written[i]?.equals(reference(type, 7, v))).toBe(true);
      });
    });
  },
);

describe("the compiled writer's refusals", () => {
  // Values of the wrong kind for each avsc type; each one avsc refuses as well.
  function invalid(type: avro.Type): fc.Arbitrary<unknown> {
    switch (type.typeName) {
      case "boolean":
        return fc.constantFrom("true", 1, null, undefined);
      case "int":
        return fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1.5, Number.NaN, "1", null, undefined);
      case "long":
        return fc.constantFrom(
          2 ** 53,
          -(2 ** 53),
          maxLong + 1,
          -maxLong - 1,
          0.5,
          Number.POSITIVE_INFINITY,
          "1",
          null,
        );
      case "string":
        return fc.constantFrom(42, null, undefined, ["a"], new String("a"));
      case "logical:uuid":
        return fc.constantFrom(
          "not-a-uuid",
          "0b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0",
          "0b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0bb",
          "0b6f4d8e_3c1a-4f7e-9a2b-5d6c7e8f9a0b",
          "0b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0g",
          "",
          42,
          null,
          undefined,
        );
      case "logical:timestamp-millis":
        return fc.constantFrom(new Date(Number.NaN), 1_700_000_000_000, "2025-11-26", null);
      case "logical:date":
        return fc.constantFrom(
          "2025-02-30",
          "2025-13-01",
          "2025-1-5",
          "26.11.2025",
          "0099-12-31",
          "2023-02-29",
          19_000,
          null,
        );
      case "enum":
        return fc.constantFrom("nope", "", 0, null, undefined);
      case "array":
        return fc.constantFrom("x", null, { length: 0 });
      case "union:unwrapped": {
        const other = (type as avro.types.UnwrappedUnionType).types.find(
          (t) => t.typeName !== "null",
        );
        return invalid(other as avro.Type).filter((v) => v !== null);
      }
      case "record":
        return fc.constantFrom(null, "x", 42);
      default:
        throw new Error(`no invalid values for ${type.typeName}`);
    }
  }

  it.each(allEventTypes.map((t) => [t.name, t] as const))(
    "%s: no bytes for an invalid field, and the encoder names the same fields as before",
    async (_name, event) => {
      const type = platformAvroType(event.schema) as avro.types.RecordType;
      const encoder = await createEncoder(registry, event as EventType<unknown>);
      const before = await createEncoder(registry, event as EventType<unknown>, avscOnly);
      const write = compileWireWriter(type, 1);
      // Fields (top-level and nested) whose value is made invalid, one or two at a time.
      const targets = type.fields.flatMap((f) =>
        f.type.typeName === "record"
          ? [
              { path: [f.name], type: f.type },
              ...(f.type as avro.types.RecordType).fields.map((g) => ({
                path: [f.name, g.name],
                type: g.type,
              })),
            ]
          : [{ path: [f.name], type: f.type }],
      );
      const broken = fc
        .tuple(
          arbitrary(type) as fc.Arbitrary<Value>,
          fc.subarray(targets, { minLength: 1, maxLength: 2 }),
        )
        .chain(([value, chosen]) =>
          fc.tuple(
            fc.constant(value),
            fc.constant(chosen),
            fc.tuple(...chosen.map((c) => invalid(c.type))),
          ),
        )
        .map(([value, chosen, bad]) => {
          const copy: Value = structuredClone(value);
          chosen.forEach((c, i) => {
            const [first, second] = c.path as [string, string?];
            if (second === undefined) copy[first] = bad[i];
            else if (copy[first] !== null && typeof copy[first] === "object")
              (copy[first] as Value)[second] = bad[i];
          });
          return copy;
        })
        .filter((value) => !type.isValid(value));
      fc.assert(
        fc.property(broken, (value) => {
          const { env, payload } = split(value, [false, false, false], {});
          expect(write(env, payload)).toBeUndefined();
          const now = errorOf(() => encoder.encodeParts(env as unknown as Envelope, payload));
          const then = errorOf(() => (before as EventEncoder<unknown>).encode(value));
          expect(now).toBeInstanceOf(EventValidationError);
          expect(now?.message).toBe(then?.message);
          expect(now?.fields).toEqual(then?.fields);
        }),
        { numRuns: 150 },
      );
    },
  );
});

/** Paths (a.b.0) of the values of `value` that are of the Avro type string (not uuids). */
function stringPaths(type: avro.Type, value: unknown, path: string[] = []): string[][] {
  switch (type.typeName) {
    case "string":
      return [path];
    case "union:unwrapped": {
      if (value === null) return [];
      const other = (type as avro.types.UnwrappedUnionType).types.find(
        (t) => t.typeName !== "null",
      );
      return stringPaths(other as avro.Type, value, path);
    }
    case "array":
      return (value as unknown[]).flatMap((v, i) =>
        stringPaths((type as avro.types.ArrayType).itemsType, v, [...path, String(i)]),
      );
    case "record":
      return (type as avro.types.RecordType).fields.flatMap((f) => {
        const v = (value as Value)[f.name];
        return v === undefined ? [] : stringPaths(f.type, v, [...path, f.name]);
      });
    default:
      return [];
  }
}

describe("ill-formed strings", () => {
  const hasString = (type: avro.Type): boolean =>
    type.typeName === "string" ||
    (type.typeName === "union:unwrapped" &&
      (type as avro.types.UnwrappedUnionType).types.some(hasString)) ||
    (type.typeName === "array" && hasString((type as avro.types.ArrayType).itemsType)) ||
    (type.typeName === "record" &&
      (type as avro.types.RecordType).fields.some((f) => hasString(f.type)));

  it.each(allEventTypes.map((t) => [t.name, t] as const))(
    "%s: a lone surrogate in any string field gives no bytes, and both encoder paths refuse it, naming the field",
    async (_name, event) => {
      const type = platformAvroType(event.schema);
      const encoder = await createEncoder(registry, event as EventType<unknown>);
      const avscPath = await createEncoder(registry, event as EventType<unknown>, avscOnly);
      const write = compileWireWriter(type, 1);
      const broken = fc
        .tuple(arbitrary(type) as fc.Arbitrary<Value>, fc.nat(), illFormedText)
        .map(([value, pick, lone]) => {
          const paths = stringPaths(type, value);
          if (paths.length === 0) return undefined;
          const path = paths[pick % paths.length] as string[];
          const copy: Value = structuredClone(value);
          let at: Record<string, unknown> = copy;
          for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
          at[path.at(-1) as string] = lone;
          return { value: copy, path: path.join(".") };
        });
      let checked = 0;
      fc.assert(
        fc.property(broken, (found) => {
          if (!found) return;
          checked++;
          const { env, payload } = split(found.value, [false, false, false], {});
          expect(write(env, payload)).toBeUndefined();
          for (const refused of [
            errorOf(() => encoder.encodeParts(env as unknown as Envelope, payload)),
            errorOf(() => avscPath.encode(found.value)),
          ]) {
            expect(refused).toBeInstanceOf(IllFormedTextError);
            expect(refused?.fields.map((f) => f.path)).toEqual([found.path]);
            expect(refused?.message).toContain(event.name);
            expect(refused?.message).toContain(found.path);
          }
        }),
        { numRuns: 100 },
      );
      // A schema with a string has one in some of the generated values at least.
      expect(checked > 0).toBe(hasString(type));
    },
  );
});

describe("the compiled writer's uuids", () => {
  it("accepts exactly the strings isUuid accepts", () => {
    const event = allEventTypes.find(
      (t) => t.name === "vobemusic.listening.TrackLiked",
    ) as EventType<unknown>;
    const write = compileWireWriter(platformAvroType(event.schema), 1);
    const payload = {
      trackId: "0b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
      userId: "1b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
    };
    const actor = { userId: null, role: "system" };
    // Near-uuids: one char of a uuid replaced by anything (hex, '-', 'g', non-ASCII...).
    const nearly = fc
      .tuple(
        fc.uuid(),
        fc.nat({ max: 35 }),
        fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      )
      .map(([u, i, c]) => u.slice(0, i) + c + u.slice(i + 1));
    const hexish = fc.string({
      unit: fc.constantFrom(..."0123456789abcdefABCDEF-gG:"),
      minLength: 34,
      maxLength: 38,
    });
    fc.assert(
      fc.property(fc.oneof(nearly, hexish, fc.uuid(), fc.string()), (eventId) => {
        const written = write({ eventId, occurredAt: new Date(0), actor }, payload);
        expect(written !== undefined).toBe(isUuid(eventId));
      }),
      { numRuns: 5_000 },
    );
  });
});

describe("the encoder with a compiled writer", () => {
  const event = allEventTypes.find(
    (t) => t.name === "vobemusic.listening.TrackPlayed",
  ) as EventType<unknown>;
  const value = {
    eventId: "0b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
    occurredAt: new Date("2025-11-26T10:15:30.123Z"),
    actor: { userId: null, role: "system" },
    playId: "1b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
    trackId: "2b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
    userId: "3b6f4d8e-3c1a-4f7e-9a2b-5d6c7e8f9a0b",
    listenedMs: 30_000,
    trackDurationMs: 180_000,
    completed: true,
    source: "web",
  };
  const { eventId, occurredAt, actor, ...payload } = value;
  const env = { eventId, occurredAt, actor } as Envelope;

  it("encodes whole values and envelope + payload alike, as avsc does", async () => {
    const encoder = await createEncoder(registry, event);
    const before = await createEncoder(registry, event, avscOnly);
    expect(encoder.encode(value).equals(before.encode(value))).toBe(true);
    expect(encoder.encodeParts(env, payload).equals(before.encode(value))).toBe(true);
  });

  it("leaves what it does not know for sure to avsc: a payload's class, a field set to undefined", async () => {
    const encoder = await createEncoder(registry, event);
    const before = await createEncoder(registry, event, avscOnly);
    const write = compileWireWriter(platformAvroType(event.schema), 1);
    // A class instance: the spread copies own fields only, which the writer does not check.
    class Play {
      constructor(readonly fields: typeof payload) {
        Object.assign(this, fields);
      }
    }
    const instance = new Play(payload);
    expect(write(env, instance)).toBeUndefined();
    expect(() => encoder.encodeParts(env, instance)).not.toThrow();
    // An own field set to undefined overrides the envelope's, as in `{ ...env, ...payload }`.
    const overriding = { ...payload, eventId: undefined };
    expect(write(env, overriding)).toBeUndefined();
    expect(errorOf(() => encoder.encodeParts(env, overriding))?.fields).toEqual(
      errorOf(() => before.encode({ ...env, ...overriding }))?.fields,
    );
    expect(errorOf(() => encoder.encodeParts(env, overriding))?.fields.map((f) => f.path)).toEqual([
      "eventId",
    ]);
    // Not an object at all.
    expect(errorOf(() => encoder.encodeParts(env, null as unknown as object))?.message).toBe(
      errorOf(() => before.encode({ ...env }))?.message,
    );
  });

  it("names the fields of an invalid value exactly as before", async () => {
    const encoder = await createEncoder(registry, event);
    const bad = { ...payload, userId: "not-a-uuid", listenedMs: "long" };
    const error = errorOf(() => encoder.encodeParts(env, bad));
    expect(error?.fields.map((f) => f.path).sort()).toEqual(["listenedMs", "userId"]);
    expect(error?.message).toBe(
      'vobemusic.listening.TrackPlayed does not match its schema: userId = "not-a-uuid"; listenedMs = "long"',
    );
  });

  it("writes a record larger than its slab", async () => {
    const isText = (t: avro.Type) => t.typeName === "string";
    const withText = allEventTypes.find((t) =>
      (platformAvroType(t.schema) as avro.types.RecordType).fields.some((f) => isText(f.type)),
    ) as EventType<unknown>;
    const type = platformAvroType(withText.schema) as avro.types.RecordType;
    const big = fc.sample(arbitrary(type), { numRuns: 1, seed: 3 })[0] as Value;
    const field = type.fields.find((f) => isText(f.type))?.name as string;
    big[field] = "ü€😀x".repeat(40_000);
    const write = compileWireWriter(type, 9);
    const first = write({}, big) as Buffer;
    const second = write({}, big) as Buffer;
    expect(first.equals(reference(type, 9, big))).toBe(true);
    expect(second.equals(first)).toBe(true);
  });
});

describe("calendarDays", () => {
  // DateType's rule as it was written first: the regular expression, then a round trip.
  const pattern = /^(\d{4})-(\d{2})-(\d{2})$/;
  function roundTripRule(value: unknown): number | undefined {
    const match = typeof value === "string" ? pattern.exec(value) : null;
    const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) return undefined;
    return ms / 86_400_000;
  }

  it("accepts and counts exactly the days the round-trip rule accepts", () => {
    const digit = fc.constantFrom(..."0123456789");
    const shaped = fc
      .tuple(
        fc.array(digit, { minLength: 4, maxLength: 4 }),
        fc.array(digit, { minLength: 2, maxLength: 2 }),
        fc.array(digit, { minLength: 2, maxLength: 2 }),
      )
      .map(([y, m, d]) => `${y.join("")}-${m.join("")}-${d.join("")}`);
    const anyDate = fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        fc.oneof(shaped, anyDate, day, fc.string({ maxLength: 12 }), fc.anything()),
        (value) => {
          expect(calendarDays(value)).toBe(roundTripRule(value));
        },
      ),
      { numRuns: 20_000 },
    );
    for (const value of [
      "2024-02-29",
      "2023-02-29",
      "1900-02-29",
      "2000-02-29",
      "0099-12-31",
      "0100-01-01",
      "2025-02-30",
      "2025-04-31",
      "9999-12-31",
      "2025-11-26\n",
      "２０２５-11-26",
      "+02025-11-26",
    ]) {
      expect(calendarDays(value)).toBe(roundTripRule(value));
    }
  });
});
