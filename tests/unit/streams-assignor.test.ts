import { describe, expect, it } from "vitest";
import type { TopicPartition } from "../../platform/kafka/index.ts";
import { type TaskLayout, taskAssignor } from "../../processors/engine/runtime/assignor.ts";

// Two sub-topologies over 6-partition topics: 12 tasks; sub-topology 1 joins two topics.
const layout: TaskLayout = new Map([
  [0, ["in"]],
  [1, ["repartition", "table"]],
]);
const counts = new Map([
  ["in", 6],
  ["repartition", 6],
  ["table", 6],
]);
const assign = taskAssignor(layout);

const tasksOfMember = (owned: readonly TopicPartition[]): Set<string> =>
  new Set(owned.map((tp) => `${tp.topic === "in" ? 0 : 1}_${tp.partition}`));

/** Tasks that changed owner between two assignments (a task new to the group is not a move). */
function moved(
  before: Map<string, TopicPartition[]>,
  after: Map<string, TopicPartition[]>,
): number {
  const ownerBefore = new Map<string, string>();
  for (const [m, owned] of before) for (const t of tasksOfMember(owned)) ownerBefore.set(t, m);
  let n = 0;
  for (const [m, owned] of after)
    for (const t of tasksOfMember(owned))
      if (ownerBefore.has(t) && before.has(m) && ownerBefore.get(t) !== m) n++;
      else if (ownerBefore.has(t) && !before.has(m)) n++;
  return n;
}

function expectBalancedAndComplete(result: Map<string, TopicPartition[]>, members: number) {
  const sizes = [...result.values()].map((owned) => tasksOfMember(owned).size);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  expect(sizes).toHaveLength(members);
  // Co-partitioned topics stay together: every task's partitions go to one member.
  for (const owned of result.values()) {
    const repartition = owned.filter((tp) => tp.topic === "repartition").map((tp) => tp.partition);
    const table = owned.filter((tp) => tp.topic === "table").map((tp) => tp.partition);
    expect(table).toEqual(repartition);
  }
}

describe("the task assignor is sticky", () => {
  it("2 -> 3 -> 2 members: only the surplus moves, and the leaver's tasks", () => {
    const two = assign(["a", "b"], counts, new Map());
    expectBalancedAndComplete(two, 2);

    const three = assign(["a", "b", "c"], counts, two);
    expectBalancedAndComplete(three, 3);
    // c needs 4 tasks; a and b each keep 4 of their 6. Round-robin dealing moved 8.
    expect(moved(two, three)).toBe(4);
    for (const m of ["a", "b"])
      for (const t of tasksOfMember(three.get(m) ?? []))
        expect(tasksOfMember(two.get(m) ?? []).has(t)).toBe(true);

    const back = assign(["a", "c"], counts, three);
    expectBalancedAndComplete(back, 2);
    // Only b's 4 tasks move; a and c keep theirs.
    expect(moved(three, back)).toBe(4);
    for (const m of ["a", "c"])
      for (const t of tasksOfMember(three.get(m) ?? []))
        expect(tasksOfMember(back.get(m) ?? []).has(t)).toBe(true);
  });

  it("a rejoin with the same ownership changes nothing, and stale double claims count once", () => {
    const first = assign(["a", "b", "c"], counts, new Map());
    expect(assign(["a", "b", "c"], counts, first)).toEqual(first);
    const stale = new Map(first);
    stale.set("c", [...(first.get("c") ?? []), ...(first.get("a") ?? [])]);
    const result = assign(["a", "b", "c"], counts, stale);
    expectBalancedAndComplete(result, 3);
  });
});
