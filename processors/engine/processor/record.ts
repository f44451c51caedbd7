/** One record flowing through a topology: key, value, event time and headers. */
export interface StreamRecord<K, V> {
  key: K;
  value: V;
  /** Event time in ms since the epoch (from the timestamp extractor at the source). */
  timestamp: number;
  headers: ReadonlyMap<string, Buffer>;
}

/** Where the record being processed came from; absent inside punctuators. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A task is one partition of one sub-topology: "1_3" is sub-topology 1, partition 3. */
export interface TaskId {
  subtopology: number;
  partition: number;
}

export function taskIdString(id: TaskId): string {
  return `${id.subtopology}_${id.partition}`;
}

export const emptyHeaders: ReadonlyMap<string, Buffer> = new Map();

export function withValue<K, V, V2>(record: StreamRecord<K, V>, value: V2): StreamRecord<K, V2> {
  return { key: record.key, value, timestamp: record.timestamp, headers: record.headers };
}

export function withKeyValue<K, V, K2, V2>(
  record: StreamRecord<K, V>,
  key: K2,
  value: V2,
): StreamRecord<K2, V2> {
  return { key, value, timestamp: record.timestamp, headers: record.headers };
}
