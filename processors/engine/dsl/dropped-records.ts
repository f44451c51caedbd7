import type { TaskId } from "../processor/record.ts";
import { taskIdString } from "../processor/record.ts";

export type DropReason = "late" | "null-key";

/**
 * Counts records an operator dropped on purpose (late for a closed window, no key for
 * an aggregation), per application, task and node: Kafka Streams' dropped-records sensor.
 * The runtime reads `snapshot()` into its metrics; the test driver exposes `count()`.
 * Module-level because processors have no metrics hook in their context (yet).
 */
export class DroppedRecordsSensor {
  private readonly counts = new Map<string, { entry: DroppedRecordsEntry; count: number }>();

  record(applicationId: string, taskId: TaskId, node: string, reason: DropReason): void {
    const task = taskIdString(taskId);
    const id = `${applicationId}\u0000${task}\u0000${node}\u0000${reason}`;
    const existing = this.counts.get(id);
    if (existing) existing.count += 1;
    else this.counts.set(id, { entry: { applicationId, task, node, reason }, count: 1 });
  }

  /** Records dropped by the application, optionally by one node or for one reason. */
  count(applicationId: string, filter: { node?: string; reason?: DropReason } = {}): number {
    let total = 0;
    for (const { entry, count } of this.counts.values()) {
      if (entry.applicationId !== applicationId) continue;
      if (filter.node !== undefined && entry.node !== filter.node) continue;
      if (filter.reason !== undefined && entry.reason !== filter.reason) continue;
      total += count;
    }
    return total;
  }

  snapshot(applicationId: string): Array<DroppedRecordsEntry & { count: number }> {
    return [...this.counts.values()]
      .filter(({ entry }) => entry.applicationId === applicationId)
      .map(({ entry, count }) => ({ ...entry, count }));
  }

  reset(applicationId: string): void {
    for (const [id, { entry }] of this.counts) {
      if (entry.applicationId === applicationId) this.counts.delete(id);
    }
  }
}

export interface DroppedRecordsEntry {
  applicationId: string;
  task: string;
  node: string;
  reason: DropReason;
}

export const droppedRecordsSensor = new DroppedRecordsSensor();
