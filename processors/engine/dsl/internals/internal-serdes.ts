import type { Serde } from "../../serde/api.ts";
import { nullSafe } from "../../serde/serdes.ts";
import type { Windowed } from "../../state/api.ts";
import { readTime, writeTime } from "../../state/bytes.ts";

/**
 * Serdes only operators use: for their stores and internal topics. Every layout starts
 * with fixed-size fields so the variable part (the user serde's bytes) needs no length.
 */

function serializeOrEmpty<T>(serde: Serde<T>, value: T, topic: string): Buffer {
  return serde.serialize(value, topic) ?? Buffer.alloc(0);
}

/** Windowed keys ordered by window end first: the suppression buffer emits by end. */
export function endFirstWindowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return nullSafe(
    (w) => {
      const key = serializeOrEmpty(inner, w.key, "");
      const out = Buffer.alloc(16 + key.length);
      writeTime(out, w.end, 0);
      writeTime(out, w.start, 8);
      key.copy(out, 16);
      return out;
    },
    (bytes) => ({
      end: readTime(bytes, 0),
      start: readTime(bytes, 8),
      key: inner.deserialize(bytes.subarray(16), "") as K,
    }),
  );
}

/** A value with the timestamp of the record that produced it. */
export interface Timestamped<V> {
  value: V;
  timestamp: number;
}

export function timestampedSerde<V>(inner: Serde<V>): Serde<Timestamped<V>> {
  return nullSafe(
    (t) => Buffer.concat([timeBytes(t.timestamp), serializeOrEmpty(inner, t.value, "")]),
    (bytes) => ({
      timestamp: readTime(bytes, 0),
      value: inner.deserialize(bytes.subarray(8), "") as V,
    }),
  );
}

/** Several values (a stream-stream join buffer can hold many records per key and time). */
export function listSerde<V>(inner: Serde<V>): Serde<V[]> {
  return nullSafe(
    (values) => {
      const parts: Buffer[] = [];
      for (const value of values) {
        const bytes = inner.serialize(value, "");
        const length = Buffer.alloc(4);
        length.writeInt32BE(bytes === null ? -1 : bytes.length);
        parts.push(length);
        if (bytes !== null) parts.push(bytes);
      }
      return Buffer.concat(parts);
    },
    (bytes) => {
      const values: V[] = [];
      let offset = 0;
      while (offset < bytes.length) {
        const length = bytes.readInt32BE(offset);
        offset += 4;
        if (length < 0) values.push(inner.deserialize(null, "") as V);
        else {
          values.push(inner.deserialize(bytes.subarray(offset, offset + length), "") as V);
          offset += length;
        }
      }
      return values;
    },
  );
}

/** A grouped-table update on its way through the repartition topic: add or subtract. */
export interface GroupedChange<V> {
  value: V;
  subtract: boolean;
}

export function groupedChangeSerde<V>(inner: Serde<V>): Serde<GroupedChange<V>> {
  return nullSafe(
    (c) => Buffer.concat([Buffer.of(c.subtract ? 1 : 0), serializeOrEmpty(inner, c.value, "")]),
    (bytes) => ({
      subtract: bytes[0] === 1,
      value: inner.deserialize(bytes.subarray(1), "") as V,
    }),
  );
}

function timeBytes(ms: number): Buffer {
  const out = Buffer.alloc(8);
  writeTime(out, ms, 0);
  return out;
}
