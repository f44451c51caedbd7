import type { Serde } from "../serde/api.ts";
import type { BytesStore, Windowed, WindowStore } from "./api.ts";
import { readTime, serializeKey, TIME_BYTES, writeTime } from "./bytes.ts";
import { CachingBytesStore, flushIfCached, type RecordContext } from "./record-cache.ts";

/** A cached windowed store's flushed update of one window (see FlushListener). */
export type WindowFlushListener<K, V> = (
  window: Windowed<K>,
  newValue: V | null,
  oldValue: V | null,
  context: RecordContext,
) => void;

/**
 * Fixed-size windows per key over any BytesStore. The bytes key is the serialized key
 * followed by the window start (8 bytes, order-preserving), so one key's windows are
 * contiguous and ordered by time and fetchRange is one range scan. fetchAll and
 * removeBefore scan everything (keys come first): callers run them rarely (retention,
 * at most once per half retention of stream time), so their cost is amortized.
 *
 * A longer key can share a prefix with a shorter one, so every scan decodes the key
 * from the bytes (everything but the last 8) and skips strangers.
 */
export class BytesWindowStore<K, V> implements WindowStore<K, V> {
  constructor(
    readonly name: string,
    private readonly bytes: BytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    /** Gives fetchAll's Windowed keys their end. */
    readonly windowSizeMs: number,
  ) {}

  /** See BytesKeyValueStore.setFlushListener. */
  setFlushListener(listener: WindowFlushListener<K, V>): boolean {
    if (!(this.bytes instanceof CachingBytesStore)) return false;
    this.bytes.setFlushListener((k, newValue, oldValue, context) => {
      const start = readTime(k, k.length - TIME_BYTES);
      const key = this.keySerde.deserialize(k.subarray(0, k.length - TIME_BYTES), this.name) as K;
      listener(
        { key, start, end: start + this.windowSizeMs },
        newValue === null ? null : this.value(newValue),
        oldValue === null ? null : this.value(oldValue),
        context,
      );
    });
    return true;
  }

  put(key: K, windowStart: number, value: V | null): void {
    const stored = value === null ? null : this.valueSerde.serialize(value, this.name);
    this.bytes.put(this.composite(this.keyBytes(key), windowStart), stored);
  }

  fetch(key: K, windowStart: number): V | undefined {
    const value = this.bytes.get(this.composite(this.keyBytes(key), windowStart));
    return value === undefined ? undefined : this.value(value);
  }

  *fetchRange(key: K, timeFrom: number, timeTo: number): Iterable<[number, V]> {
    const keyBytes = this.keyBytes(key);
    const from = this.composite(keyBytes, timeFrom);
    const to = this.composite(keyBytes, timeTo);
    for (const [k, v] of this.bytes.range(from, to)) {
      if (k.length !== keyBytes.length + TIME_BYTES) continue;
      if (!k.subarray(0, keyBytes.length).equals(keyBytes)) continue;
      yield [readTime(k, keyBytes.length), this.value(v)];
    }
  }

  *fetchAll(timeFrom: number, timeTo: number): Iterable<[Windowed<K>, V]> {
    for (const [k, v] of this.bytes.range()) {
      const start = readTime(k, k.length - TIME_BYTES);
      if (start < timeFrom || start > timeTo) continue;
      const key = this.keySerde.deserialize(k.subarray(0, k.length - TIME_BYTES), this.name) as K;
      yield [{ key, start, end: start + this.windowSizeMs }, this.value(v)];
    }
  }

  removeBefore(windowStart: number): void {
    // A cached update of an expiring window must still go downstream, before it goes.
    flushIfCached(this.bytes);
    const expired: Buffer[] = [];
    for (const [k] of this.bytes.range()) {
      if (readTime(k, k.length - TIME_BYTES) < windowStart) expired.push(k);
    }
    for (const k of expired) this.bytes.put(k, null);
  }

  private keyBytes(key: K): Buffer {
    return serializeKey(this.keySerde, key, this.name);
  }

  private composite(keyBytes: Buffer, time: number): Buffer {
    const out = Buffer.alloc(keyBytes.length + TIME_BYTES);
    keyBytes.copy(out, 0);
    writeTime(out, time, keyBytes.length);
    return out;
  }

  private value(bytes: Buffer): V {
    return this.valueSerde.deserialize(bytes, this.name) as V;
  }
}
