import type { Generation, TopicPartition } from "../../../platform/kafka/index.ts";
import { type TaskId, taskIdString } from "../processor/record.ts";
import { type TaskLayout, taskOf } from "./assignor.ts";

/** An assignment as the group member received it, in the generation that made it. */
export interface ReceivedAssignment {
  partitions: readonly TopicPartition[];
  generation: Generation;
}

/**
 * The tasks whose local state is still this member's own: those it owned in every
 * generation from the one its tasks were built for to the newest received.
 *
 * The member rejoins in the background while the processing loop is busy, so several
 * rebalances can pass between two looks at the assignment. A task given away and given
 * back in between was processed (and committed) by another member: its state here is
 * stale and must be restored again, or that member's work is lost. A gap in the
 * generations (the member was dropped from the group, or a sync was cut short by the
 * next rebalance) hides the assignments in between: then no task is kept.
 */
export function tasksOwnedThroughout(
  layout: TaskLayout,
  handled: Generation | undefined,
  received: readonly ReceivedAssignment[],
): Set<string> {
  if (handled === undefined || received.length === 0) return new Set();
  let previous = handled;
  for (const { generation } of received) {
    const next = generation.generationId;
    const unbroken =
      generation.memberId === previous.memberId &&
      next >= previous.generationId &&
      next <= previous.generationId + 1;
    if (!unbroken) return new Set();
    previous = generation;
  }
  const [first, ...rest] = received.map(
    (assignment) => new Set(assignedTasks(layout, assignment.partitions).keys()),
  );
  const kept = first ?? new Set<string>();
  for (const tasks of rest) for (const key of kept) if (!tasks.has(key)) kept.delete(key);
  return kept;
}

/** The tasks of an assignment's partitions, by their string id. */
export function assignedTasks(
  layout: TaskLayout,
  partitions: readonly TopicPartition[],
): Map<string, TaskId> {
  const tasks = new Map<string, TaskId>();
  for (const tp of partitions) {
    const id = taskOf(layout, tp);
    if (id) tasks.set(taskIdString(id), id);
  }
  return tasks;
}
