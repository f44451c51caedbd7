/**
 * What a KTable node forwards internally: the key's new value and the value it
 * replaces (Kafka Streams' Change<V>). Old values let downstream aggregations subtract
 * and let joins emit tombstones; `toStream()` keeps only `newValue`.
 */
export interface Change<V> {
  newValue: V | null;
  oldValue: V | null;
}

export function change<V>(newValue: V | null, oldValue: V | null): Change<V> {
  return { newValue, oldValue };
}
