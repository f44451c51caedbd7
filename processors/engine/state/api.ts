/**
 * State stores as processors see them. Every store is named; the runtime gives each
 * task its own instance, backed by a compacted changelog topic named
 * `<applicationId>-<storeName>-changelog` unless logging is disabled.
 */
export interface StateStore {
  readonly name: string;
}

export interface KeyValueStore<K, V> extends StateStore {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  /** Puts only when the key has no value; returns the existing value if there was one. */
  putIfAbsent(key: K, value: V): V | undefined;
  delete(key: K): V | undefined;
  /**
   * Entries with from <= key <= to in the order of the key's serialized bytes; a null
   * bound is open (as in Kafka Streams, KIP-763).
   */
  range(from: K | null, to: K | null): Iterable<[K, V]>;
  /** Entries whose serialized key starts with the serialized prefix. */
  prefixScan(prefix: K): Iterable<[K, V]>;
  all(): Iterable<[K, V]>;
  approximateNumEntries(): number;
}

/** A key in a window: the windowed aggregations' output key. */
export interface Windowed<K> {
  key: K;
  /**
   * Inclusive start, exclusive end, ms. For sessions both are inclusive (the first and
   * the last record's time), as in Kafka Streams.
   */
  start: number;
  end: number;
}

/** Values per key and window start (fixed-size windows: tumbling, hopping, join buffers). */
export interface WindowStore<K, V> extends StateStore {
  put(key: K, windowStart: number, value: V | null): void;
  fetch(key: K, windowStart: number): V | undefined;
  /** The key's windows whose start is in [timeFrom, timeTo], oldest first. */
  fetchRange(key: K, timeFrom: number, timeTo: number): Iterable<[number, V]>;
  /** Every key's windows whose start is in [timeFrom, timeTo]. */
  fetchAll(timeFrom: number, timeTo: number): Iterable<[Windowed<K>, V]>;
  /** Drops windows that started before `windowStart` (retention). */
  removeBefore(windowStart: number): void;
}

/** Sessions per key: variable windows merged by an inactivity gap. */
export interface SessionStore<K, V> extends StateStore {
  /** Sessions of `key` that end at or after `earliestEnd` and start at or before `latestStart`. */
  findSessions(key: K, earliestEnd: number, latestStart: number): Iterable<[Windowed<K>, V]>;
  put(session: Windowed<K>, value: V): void;
  remove(session: Windowed<K>): void;
  /** Drops sessions that ended before `end` (retention). */
  removeEndedBefore(end: number): void;
}

/**
 * The physical layer under every typed store: ordered bytes to bytes. Implementations:
 * in memory, and LMDB on disk (persistent, with a local checkpoint).
 */
export interface BytesStore {
  get(key: Buffer): Buffer | undefined;
  /** null deletes. */
  put(key: Buffer, value: Buffer | null): void;
  /** Ascending by unsigned byte order; `to` inclusive; either bound may be omitted. */
  range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]>;
  size(): number;
  close(): void;
}
