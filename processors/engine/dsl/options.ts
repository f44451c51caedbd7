import type { Serde } from "../serde/api.ts";
import type { SinkNodeSpec, TimestampExtractor } from "../topology/spec.ts";

/** A key and a value, as returned by map/flatMap/groupBy selectors. */
export type KeyValue<K, V> = [key: K, value: V];

/** Every operator may be named; stores and internal topics derive their names from it. */
export interface Named {
  name?: string;
}

export interface Consumed<K, V> extends Named {
  keySerde: Serde<K>;
  valueSerde: Serde<V>;
  /** Event time from the record; defaults to the Kafka record timestamp. */
  timestampExtractor?: (key: K, value: V, recordTimestamp: number, topic: string) => number;
}

export interface TableConsumed<K, V> extends Consumed<K, V> {
  /** Name of the table's store (queryable in the test driver); derived if omitted. */
  storeName?: string;
  persistent?: boolean;
}

/** Serdes for writing a topic; default to the stream's own when it still knows them. */
export interface Produced<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  /** Chooses the partition; defaults to murmur2 of the serialized key (Java-compatible). */
  partitioner?: (key: K, value: V, partitions: number) => number;
}

/** Serdes of a grouping, used for the repartition topic when the key may have changed. */
export interface Grouped<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
}

/** Where and how an aggregation or table keeps its state. `name` is the store name. */
export interface Materialized<K, V> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  persistent?: boolean;
  logged?: boolean;
  /**
   * Aggregations only: fold a key's updates between two commits into one record
   * downstream (the record cache, ADR-016). Default true; the runtime's `cacheMaxBytes`
   * 0 turns it off for every store.
   */
  caching?: boolean;
  /** Windowed stores only: keep windows at least this long (default size + grace). */
  retentionMs?: number;
}

/** Serdes a stream-stream join buffers its two sides with. */
export interface StreamJoined<K, V, VO> extends Named {
  keySerde?: Serde<K>;
  valueSerde?: Serde<V>;
  otherValueSerde?: Serde<VO>;
}

export function toExtractor<K, V>(
  extractor: Consumed<K, V>["timestampExtractor"],
): TimestampExtractor | undefined {
  return extractor as TimestampExtractor | undefined;
}

export function toPartitioner<K, V>(
  partitioner: Produced<K, V>["partitioner"],
): SinkNodeSpec["partitioner"] {
  return partitioner as SinkNodeSpec["partitioner"];
}

/** A serde the operator cannot do without; says which option to set. */
export function required<T>(serde: Serde<T> | undefined, what: string): Serde<T> {
  if (!serde) {
    throw new Error(`${what}: no serde known here; pass it in the operator's options`);
  }
  return serde;
}
