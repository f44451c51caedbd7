/**
 * Decoded Avro as JSON: dates as ISO text, 64-bit numbers as decimal text, bytes as base64.
 * A record's key and header values are bytes too: text when they are UTF-8, base64 otherwise.
 */

export function plain(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return Buffer.from(value).toString("base64");
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function bytes(value: Buffer | null): { text: string | null; base64: string | null } {
  if (value === null) return { text: null, base64: null };
  try {
    return { text: utf8.decode(value), base64: null };
  } catch {
    return { text: null, base64: value.toString("base64") };
  }
}

export const iso = (ms: bigint | number) => new Date(Number(ms)).toISOString();
