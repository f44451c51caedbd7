import type { Windowed } from "../state/api.ts";
import type { Serde } from "./api.ts";
import { nullSafe } from "./serdes.ts";

const TIMES = 16;

/**
 * The key of a windowed aggregation's output: the inner key's bytes, then the window
 * start and end as 8-byte signed big-endian longs. (Kafka Streams writes only the start
 * for time windows; we always write both, so one serde serves time and session windows.)
 *
 *   table.toStream().to("plays-per-minute", { keySerde: windowedSerde(Serdes.string()), ... })
 */
export function windowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return nullSafe(
    (windowed) => {
      const key = inner.serialize(windowed.key, "") ?? Buffer.alloc(0);
      const out = Buffer.alloc(key.length + TIMES);
      key.copy(out, 0);
      out.writeBigInt64BE(BigInt(windowed.start), key.length);
      out.writeBigInt64BE(BigInt(windowed.end), key.length + 8);
      return out;
    },
    (bytes) => {
      if (bytes.length < TIMES) throw new RangeError("windowed key shorter than 16 bytes");
      const keyLength = bytes.length - TIMES;
      return {
        key: inner.deserialize(bytes.subarray(0, keyLength), "") as K,
        start: Number(bytes.readBigInt64BE(keyLength)),
        end: Number(bytes.readBigInt64BE(keyLength + 8)),
      };
    },
  );
}
