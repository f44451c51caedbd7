import type { Serde } from "./api.ts";

/**
 * The built-in serdes. Every one maps null to null both ways, so tombstones pass through.
 *
 *   builder.stream("plays", { keySerde: Serdes.string(), valueSerde: Serdes.json<Play>() })
 */
export const Serdes = {
  /** UTF-8 text. */
  string(): Serde<string> {
    return nullSafe(
      (value) => Buffer.from(value, "utf8"),
      (bytes) => bytes.toString("utf8"),
    );
  },

  /** JSON text in UTF-8; for internal state and simple topics (events use Avro). */
  json<T>(): Serde<T> {
    return nullSafe(
      (value) => Buffer.from(JSON.stringify(value), "utf8"),
      (bytes) => JSON.parse(bytes.toString("utf8")) as T,
    );
  },

  /** The bytes as they are (copied, so a caller cannot change what was stored). */
  /**
   * Bytes as they are, without a copy: fetched buffers are never reused and stores copy
   * what they keep, so the only rule is not to mutate a Buffer after handing it on.
   */
  bytes(): Serde<Buffer> {
    return nullSafe(
      (value) => value,
      (bytes) => bytes,
    );
  },

  /**
   * An 8-byte IEEE 754 float64, big-endian: Java's DoubleSerializer, so Java clients
   * read it too. (Not order-preserving for negative numbers; do not range over it.)
   */
  number(): Serde<number> {
    return nullSafe(
      (value) => {
        const out = Buffer.alloc(8);
        out.writeDoubleBE(value);
        return out;
      },
      (bytes) => {
        expectLength(bytes, 8, "number");
        return bytes.readDoubleBE(0);
      },
    );
  },

  /**
   * An 8-byte signed big-endian integer (Java's LongSerializer) as a JS number: counts
   * and sums. Throws on a value outside the safe-integer range rather than losing digits;
   * use `bigLong()` for those.
   */
  long(): Serde<number> {
    return nullSafe(
      (value) => {
        if (!Number.isSafeInteger(value)) {
          throw new TypeError(`Serdes.long() needs a safe integer, got ${value}`);
        }
        const out = Buffer.alloc(8);
        out.writeBigInt64BE(BigInt(value));
        return out;
      },
      (bytes) => {
        expectLength(bytes, 8, "long");
        const value = Number(bytes.readBigInt64BE(0));
        if (!Number.isSafeInteger(value)) throw new RangeError("long is not a safe integer");
        return value;
      },
    );
  },

  /** The same 8-byte signed big-endian long, as a bigint (any value). */
  bigLong(): Serde<bigint> {
    return nullSafe(
      (value) => {
        const out = Buffer.alloc(8);
        out.writeBigInt64BE(value);
        return out;
      },
      (bytes) => {
        expectLength(bytes, 8, "bigLong");
        return bytes.readBigInt64BE(0);
      },
    );
  },
};

/** Builds a serde from two functions that never see null. */
export function nullSafe<T>(
  serialize: (value: T) => Buffer,
  deserialize: (bytes: Buffer) => T,
): Serde<T> {
  return {
    serialize: (value) => (value === null || value === undefined ? null : serialize(value)),
    deserialize: (bytes) => (bytes === null ? null : deserialize(bytes)),
  };
}

function expectLength(bytes: Buffer, length: number, serde: string): void {
  if (bytes.length !== length) {
    throw new RangeError(`Serdes.${serde}() expects ${length} bytes, got ${bytes.length}`);
  }
}
