import type { Serde } from "../serde/api.ts";
import type { BytesStore, KeyValueStore } from "./api.ts";
import { serializeKey, startsWith } from "./bytes.ts";
import { CachingBytesStore, type RecordContext } from "./record-cache.ts";

/** A cached store's flushed update of one key: the value now and as of the last flush. */
export type FlushListener<K, V> = (
  key: K,
  newValue: V | null,
  oldValue: V | null,
  context: RecordContext,
) => void;

/**
 * A typed key-value store over any BytesStore. Order is the order of the serialized
 * keys' bytes (unsigned), not of the keys themselves: with Serdes.string() that is
 * UTF-8 byte order; with Serdes.json() numbers do not sort numerically.
 */
export class BytesKeyValueStore<K, V> implements KeyValueStore<K, V> {
  constructor(
    readonly name: string,
    private readonly bytes: BytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  /**
   * Cached stores only (a DSL aggregation's): forward through `listener` when the cache
   * flushes. False when the store is not cached: the caller forwards each update itself.
   */
  setFlushListener(listener: FlushListener<K, V>): boolean {
    if (!(this.bytes instanceof CachingBytesStore)) return false;
    this.bytes.setFlushListener((key, newValue, oldValue, context) =>
      listener(
        this.keySerde.deserialize(key, this.name) as K,
        newValue === null ? null : this.value(newValue),
        oldValue === null ? null : this.value(oldValue),
        context,
      ),
    );
    return true;
  }

  get(key: K): V | undefined {
    const value = this.bytes.get(this.key(key));
    return value === undefined ? undefined : this.value(value);
  }

  put(key: K, value: V): void {
    // A null value deletes, as a tombstone does in the changelog.
    this.bytes.put(this.key(key), this.valueSerde.serialize(value, this.name));
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const existing = this.get(key);
    if (existing === undefined) this.put(key, value);
    return existing;
  }

  delete(key: K): V | undefined {
    const keyBytes = this.key(key);
    const existing = this.bytes.get(keyBytes);
    if (existing === undefined) return undefined;
    this.bytes.put(keyBytes, null);
    return this.value(existing);
  }

  *range(from: K | null, to: K | null): Iterable<[K, V]> {
    const low = from === null ? undefined : this.key(from);
    const high = to === null ? undefined : this.key(to);
    for (const [k, v] of this.bytes.range(low, high)) yield this.entry(k, v);
  }

  *prefixScan(prefix: K): Iterable<[K, V]> {
    const prefixBytes = this.key(prefix);
    for (const [k, v] of this.bytes.range(prefixBytes)) {
      if (!startsWith(k, prefixBytes)) return;
      yield this.entry(k, v);
    }
  }

  *all(): Iterable<[K, V]> {
    for (const [k, v] of this.bytes.range()) yield this.entry(k, v);
  }

  approximateNumEntries(): number {
    return this.bytes.size();
  }

  private key(key: K): Buffer {
    return serializeKey(this.keySerde, key, this.name);
  }

  private value(bytes: Buffer): V {
    return this.valueSerde.deserialize(bytes, this.name) as V;
  }

  private entry(k: Buffer, v: Buffer): [K, V] {
    return [this.keySerde.deserialize(k, this.name) as K, this.value(v)];
  }
}
