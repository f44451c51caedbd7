import type { Assignor, TopicPartition } from "../../../platform/kafka/index.ts";
import type { TaskId } from "../processor/record.ts";

/** The source topics (resolved) of each sub-topology. */
export type TaskLayout = ReadonlyMap<number, readonly string[]>;

/**
 * Assigns whole tasks, not partitions: task (s, p) is partition p of every source topic
 * of sub-topology s, and all of them go to one member, so co-partitioned inputs (a
 * stream and the table it joins) meet in the same task. Tasks are dealt round-robin
 * over the members in id order: deterministic, balanced by count.
 */
export function taskAssignor(layout: TaskLayout): Assignor {
  return (members, partitionCounts) => {
    const result = new Map<string, TopicPartition[]>(members.map((m) => [m, []]));
    if (members.length === 0) return result;
    const tasks = tasksOf(layout, partitionCounts);
    tasks.forEach((task, i) => {
      const member = members[i % members.length] as string;
      const owned = result.get(member) as TopicPartition[];
      for (const topic of layout.get(task.subtopology) ?? [])
        owned.push({ topic, partition: task.partition });
    });
    return result;
  };
}

export function tasksOf(
  layout: TaskLayout,
  partitionCounts: ReadonlyMap<string, number>,
): TaskId[] {
  const tasks: TaskId[] = [];
  for (const [subtopology, topics] of [...layout].sort((a, b) => a[0] - b[0])) {
    const counts = topics.map((t) => partitionCounts.get(t) ?? 0);
    const partitions = Math.max(0, ...counts);
    for (let partition = 0; partition < partitions; partition++)
      tasks.push({ subtopology, partition });
  }
  return tasks;
}

/** Which task reads a topic-partition. */
export function taskOf(layout: TaskLayout, tp: TopicPartition): TaskId | undefined {
  for (const [subtopology, topics] of layout) {
    if (topics.includes(tp.topic)) return { subtopology, partition: tp.partition };
  }
  return undefined;
}
