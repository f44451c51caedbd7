import type { RecordPosition } from "./types.ts";

/** The highest-offset record of each topic-partition: what a commit of all of them needs. */
export function lastPerPartition<T extends RecordPosition>(records: readonly T[]): T[] {
  const last = new Map<string, T>();
  for (const r of records) {
    const slot = `${r.topic}\u0000${r.partition}`;
    const prev = last.get(slot);
    if (!prev || prev.offset < r.offset) last.set(slot, r);
  }
  return [...last.values()];
}
