/** Turns values into bytes and back; `null` stays `null` (tombstones). */
export interface Serde<T> {
  serialize(value: T | null, topic: string): Buffer | null;
  deserialize(bytes: Buffer | null, topic: string): T | null;
  /**
   * Called by the runtime before `deserialize` with the same bytes. A serde that needs
   * I/O first (an Avro serde meeting an unknown schema id) returns a promise; the
   * runtime awaits it. Returns undefined on the fast path, so no promise per record.
   */
  prepare?(bytes: Buffer | null): Promise<void> | undefined;
}
