/**
 * Byte helpers for composite store keys. Times are encoded as 8-byte big-endian with
 * the sign bit flipped, so unsigned byte order equals numeric order, negatives included.
 */
export const TIME_BYTES = 8;

export function encodeTime(ms: number): Buffer {
  const out = Buffer.alloc(TIME_BYTES);
  writeTime(out, ms, 0);
  return out;
}

export function writeTime(target: Buffer, ms: number, offset: number): void {
  target.writeBigUInt64BE(BigInt.asUintN(64, BigInt(ms)) ^ SIGN, offset);
}

export function readTime(source: Buffer, offset: number): number {
  return Number(BigInt.asIntN(64, source.readBigUInt64BE(offset) ^ SIGN));
}

const SIGN = 1n << 63n;

/** The smallest and largest times a store key can carry; used as open range bounds. */
export const MIN_TIME = Number.MIN_SAFE_INTEGER;
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

export function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);
}

export function serializeKey<K>(
  serde: { serialize(value: K | null, topic: string): Buffer | null },
  key: K,
  store: string,
): Buffer {
  const bytes = serde.serialize(key, store);
  if (bytes === null) throw new TypeError(`store ${store}: keys must not be null`);
  return bytes;
}
