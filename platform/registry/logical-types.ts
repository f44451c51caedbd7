import avro from "avsc";

/**
 * How the platform's Avro logical types look in TypeScript. Without these, avsc hands out
 * raw numbers for times and dates and lets any string through as a uuid; with them, a bad
 * id or date is refused when it is written, not discovered by a consumer years later.
 * The generated interfaces (schemas/generated/) assume exactly these mappings.
 */

/**
 * The canonical 8-4-4-4-12 hex form. A character loop, not a regular expression: every
 * event has several ids and avsc checks union branches more than once, so this sits on
 * the hottest path of every producer (bench/produce-plays).
 */
export function isUuid(value: string): boolean {
  if (value.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = value.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}
const dayMs = 86_400_000;

/** The value of the ASCII digits of `s` from `from` to `to` (exclusive), or -1. */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The days since 1970-01-01 of a real "YYYY-MM-DD" calendar day, or undefined: what the
 * date logical type writes, without a regular expression or a Date per value (the
 * producers' compiled writers call it too). A day is real when it round-trips through
 * Date.UTC: month 1-12, day within the month (2025-02-30 is not), and a year from 0100 on,
 * because Date.UTC reads years 0-99 as 1900-1999.
 */
export function calendarDays(value: unknown): number | undefined {
  if (typeof value !== "string" || value.length !== 10) return undefined;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 7);
  const day = digits(value, 8, 10);
  if (year < 100 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const length =
    month === 2
      ? leap
        ? 29
        : 28
      : month === 4 || month === 6 || month === 9 || month === 11
        ? 30
        : 31;
  if (day > length) return undefined;
  return Date.UTC(year, month - 1, day) / dayMs;
}

function shown(value: unknown): string {
  return value instanceof Date
    ? `Date(${value.getTime()})`
    : (JSON.stringify(value) ?? String(value));
}

/** A writer of the same logical type, or of its bare underlying type, can be read. */
function readsFrom(type: avro.Type, logicalName: string, underlying: string[]): boolean {
  const name = type.typeName;
  return name === `logical:${logicalName}` || underlying.includes(name);
}

/** uuid: stays a string, but only the canonical 8-4-4-4-12 hex form is written. */
export class UuidType extends avro.types.LogicalType {
  protected override _fromValue(value: string): string {
    return value;
  }

  protected override _toValue(value: unknown): string | undefined {
    // Not a string: "not this type" without an exception, because avsc probes the
    // branches of a union (["null", uuid]) this way for every record it encodes.
    if (typeof value !== "string") return undefined;
    if (!isUuid(value)) {
      throw new Error(`not a uuid: ${shown(value)} (expected 8-4-4-4-12 hex digits)`);
    }
    return value;
  }

  protected override _resolve(type: avro.Type) {
    return readsFrom(type, "uuid", ["string"]) ? (value: string) => value : undefined;
  }
}

/** timestamp-millis: a Date in TypeScript, milliseconds since the epoch on the wire. */
export class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(value: number): Date {
    return new Date(value);
  }

  protected override _toValue(value: unknown): number {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new Error(`not a valid Date for a timestamp-millis: ${shown(value)}`);
    }
    return value.getTime();
  }

  protected override _resolve(type: avro.Type) {
    // A writer of the same logical type hands over its already-converted value.
    if (type.typeName === "logical:timestamp-millis") return (value: Date) => value;
    return readsFrom(type, "timestamp-millis", ["long", "int"])
      ? (value: number) => new Date(value)
      : undefined;
  }
}

/**
 * date: a "YYYY-MM-DD" string in TypeScript (a calendar day has no time zone, which a
 * Date would invent), days since 1970-01-01 on the wire.
 */
export class DateType extends avro.types.LogicalType {
  protected override _fromValue(days: number): string {
    return new Date(days * dayMs).toISOString().slice(0, 10);
  }

  protected override _toValue(value: unknown): number {
    const days = calendarDays(value);
    if (days === undefined) {
      throw new Error(`not a calendar date: ${shown(value)} (expected "YYYY-MM-DD")`);
    }
    return days;
  }

  protected override _resolve(type: avro.Type) {
    // A writer of the same logical type hands over its already-converted "YYYY-MM-DD".
    if (type.typeName === "logical:date") return (value: string) => value;
    return readsFrom(type, "date", ["int"]) ? (days: number) => this._fromValue(days) : undefined;
  }
}

/** The avsc `logicalTypes` option that every Avro reader and writer in the platform uses. */
export const logicalTypes = {
  uuid: UuidType,
  "timestamp-millis": TimestampMillisType,
  date: DateType,
};
