/** A record to write. Keys are the entity id so every event of one entity stays in order. */
export interface OutRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  /** A record of names to values, or a map (what a consumed record carries, passed on as is). */
  headers?: Record<string, string | Buffer> | ReadonlyMap<string, Buffer>;
  /** Event time in ms; the broker's append time when absent. */
  timestamp?: bigint;
  /** Chosen by the caller (the streams runtime partitions at its sinks); hashed from the key otherwise. */
  partition?: number;
}

/** Where a written record landed: what the write API returns and read-your-writes waits for. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A record read from a topic. */
export interface InRecord extends RecordPosition {
  key: Buffer | null;
  value: Buffer | null;
  headers: Map<string, Buffer>;
  timestamp: bigint;
}

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Absent: the broker's default.replication.factor (the native stack sets it by broker count). */
  replicationFactor?: number;
  /** Topic-level configs, e.g. { "cleanup.policy": "compact" }. */
  config?: Record<string, string>;
}

export type IsolationLevel = "read_committed" | "read_uncommitted";

/** Where a group with no committed offset starts. */
export type StartFrom = "earliest" | "latest";
