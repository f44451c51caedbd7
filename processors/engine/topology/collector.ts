/** Where sinks put serialized records; the runtime sends them at commit, the test driver keeps them. */
export interface RecordCollector {
  send(record: CollectedRecord): void;
}

export interface CollectedRecord {
  /** Resolved topic name. */
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: ReadonlyMap<string, Buffer>;
}
