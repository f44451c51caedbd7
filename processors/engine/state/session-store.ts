import type { Serde } from "../serde/api.ts";
import type { BytesStore, SessionStore, Windowed } from "./api.ts";
import { MAX_TIME, readTime, serializeKey, TIME_BYTES, writeTime } from "./bytes.ts";
import { CachingBytesStore, flushIfCached } from "./record-cache.ts";
import type { WindowFlushListener } from "./window-store.ts";

const TIMES = 2 * TIME_BYTES;

/**
 * Sessions per key over any BytesStore. The bytes key is the serialized key, then the
 * session end, then its start (8 bytes each, order-preserving): a key's sessions are
 * contiguous and ordered by end, so "sessions ending at or after T" is one range scan
 * starting at key+T; the start bound is checked per entry. Session bounds are both
 * inclusive (start = first record's time, end = last record's time), as in Kafka Streams.
 */
export class BytesSessionStore<K, V> implements SessionStore<K, V> {
  constructor(
    readonly name: string,
    private readonly bytes: BytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  /** See BytesKeyValueStore.setFlushListener. */
  setFlushListener(listener: WindowFlushListener<K, V>): boolean {
    if (!(this.bytes instanceof CachingBytesStore)) return false;
    this.bytes.setFlushListener((k, newValue, oldValue, context) => {
      const at = k.length - TIMES;
      const key = this.keySerde.deserialize(k.subarray(0, at), this.name) as K;
      const end = readTime(k, at);
      const start = readTime(k, at + TIME_BYTES);
      listener(
        { key, start, end },
        newValue === null ? null : (this.valueSerde.deserialize(newValue, this.name) as V),
        oldValue === null ? null : (this.valueSerde.deserialize(oldValue, this.name) as V),
        context,
      );
    });
    return true;
  }

  *findSessions(key: K, earliestEnd: number, latestStart: number): Iterable<[Windowed<K>, V]> {
    const keyBytes = serializeKey(this.keySerde, key, this.name);
    const from = composite(keyBytes, earliestEnd, Number.MIN_SAFE_INTEGER);
    const to = composite(keyBytes, MAX_TIME, MAX_TIME);
    for (const [k, v] of this.bytes.range(from, to)) {
      if (k.length !== keyBytes.length + TIMES) continue;
      if (!k.subarray(0, keyBytes.length).equals(keyBytes)) continue;
      const start = readTime(k, keyBytes.length + TIME_BYTES);
      if (start > latestStart) continue;
      const end = readTime(k, keyBytes.length);
      yield [{ key, start, end }, this.valueSerde.deserialize(v, this.name) as V];
    }
  }

  put(session: Windowed<K>, value: V): void {
    this.bytes.put(this.keyOf(session), this.valueSerde.serialize(value, this.name));
  }

  remove(session: Windowed<K>): void {
    this.bytes.put(this.keyOf(session), null);
  }

  removeEndedBefore(end: number): void {
    flushIfCached(this.bytes);
    const expired: Buffer[] = [];
    for (const [k] of this.bytes.range()) {
      if (readTime(k, k.length - TIMES) < end) expired.push(k);
    }
    for (const k of expired) this.bytes.put(k, null);
  }

  private keyOf(session: Windowed<K>): Buffer {
    const keyBytes = serializeKey(this.keySerde, session.key, this.name);
    return composite(keyBytes, session.end, session.start);
  }
}

function composite(keyBytes: Buffer, end: number, start: number): Buffer {
  const out = Buffer.alloc(keyBytes.length + TIMES);
  keyBytes.copy(out, 0);
  writeTime(out, end, keyBytes.length);
  writeTime(out, start, keyBytes.length + TIME_BYTES);
  return out;
}
