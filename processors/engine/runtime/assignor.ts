import type { Assignor, TopicPartition } from "../../../platform/kafka/index.ts";
import type { TaskId } from "../processor/record.ts";

/** The source topics (resolved) of each sub-topology. */
export type TaskLayout = ReadonlyMap<number, readonly string[]>;

/**
 * Assigns whole tasks, not partitions: task (s, p) is partition p of every source topic
 * of sub-topology s, and all of them go to one member, so co-partitioned inputs (a
 * stream and the table it joins) meet in the same task. Balanced by count, and sticky:
 * a member keeps the tasks it owned as far as its fair share allows, and only the
 * surplus and the orphans move, so a member joining or leaving does not make every
 * instance drop its stores and restore others from their changelogs.
 */
export function taskAssignor(layout: TaskLayout): Assignor {
  return (members, partitionCounts, previous) => {
    const result = new Map<string, TopicPartition[]>(members.map((m) => [m, []]));
    if (members.length === 0) return result;
    const tasks = tasksOf(layout, partitionCounts);
    const held = previousTasks(layout, members, previous);
    // Fair shares: n / m each, and the remainder's extra task goes to the members that
    // held the most, so the fewest tasks move.
    const base = Math.floor(tasks.length / members.length);
    const extra = tasks.length % members.length;
    const byHeld = [...members].sort(
      (a, b) => (held.get(b)?.size ?? 0) - (held.get(a)?.size ?? 0) || (a < b ? -1 : 1),
    );
    const capacity = new Map(byHeld.map((m, i) => [m, base + (i < extra ? 1 : 0)]));
    const owner = new Map<string, string>();
    const load = new Map<string, number>(members.map((m) => [m, 0]));
    for (const task of tasks) {
      const key = taskKey(task);
      const member = members.find((m) => held.get(m)?.has(key));
      if (member && (load.get(member) ?? 0) < (capacity.get(member) ?? 0)) {
        owner.set(key, member);
        load.set(member, (load.get(member) ?? 0) + 1);
      }
    }
    for (const task of tasks) {
      const key = taskKey(task);
      if (owner.has(key)) continue;
      const member = members
        .filter((m) => (load.get(m) ?? 0) < (capacity.get(m) ?? 0))
        .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || (a < b ? -1 : 1))[0] as string;
      owner.set(key, member);
      load.set(member, (load.get(member) ?? 0) + 1);
    }
    for (const task of tasks) {
      const owned = result.get(owner.get(taskKey(task)) as string) as TopicPartition[];
      for (const topic of layout.get(task.subtopology) ?? [])
        owned.push({ topic, partition: task.partition });
    }
    return result;
  };
}

const taskKey = (task: TaskId): string => `${task.subtopology}_${task.partition}`;

/** Tasks each member reported owning; a task two members claim (a stale report) counts once. */
function previousTasks(
  layout: TaskLayout,
  members: readonly string[],
  previous: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<string, Set<string>> {
  const claimed = new Set<string>();
  const held = new Map<string, Set<string>>();
  for (const member of members) {
    const tasks = new Set<string>();
    for (const tp of previous.get(member) ?? []) {
      const task = taskOf(layout, tp);
      if (!task || claimed.has(taskKey(task))) continue;
      tasks.add(taskKey(task));
    }
    for (const key of tasks) claimed.add(key);
    held.set(member, tasks);
  }
  return held;
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
