import { describe, expect, it } from "vitest";
import type { TopicPartition } from "../../platform/kafka/index.ts";
import type { TaskLayout } from "../../processors/engine/runtime/assignor.ts";
import {
  type ReceivedAssignment,
  tasksOwnedThroughout,
} from "../../processors/engine/runtime/ownership.ts";

// Sub-topology 0 reads "in"; sub-topology 1 joins "left" and "right".
const layout: TaskLayout = new Map([
  [0, ["in"]],
  [1, ["left", "right"]],
]);

const of = (topic: string, ...partitions: number[]): TopicPartition[] =>
  partitions.map((partition) => ({ topic, partition }));

const assignment = (
  generationId: number,
  partitions: TopicPartition[],
  memberId = "m",
): ReceivedAssignment => ({ partitions, generation: { generationId, memberId } });

const everything = [...of("in", 0, 1, 2), ...of("left", 0, 1), ...of("right", 0, 1)];

describe("the tasks a member keeps across rebalances it saw late", () => {
  it("keeps what it owned in every generation since its tasks were built", () => {
    const kept = tasksOwnedThroughout(layout, { generationId: 4, memberId: "m" }, [
      assignment(5, everything),
    ]);
    expect([...kept].sort()).toEqual(["0_0", "0_1", "0_2", "1_0", "1_1"]);
  });

  it("rebuilds a task given away and given back before the loop looked", () => {
    // Generation 5 gave 0_1 and 1_0 to another member, generation 6 gave them back: that
    // member processed them in between, so the state here is behind.
    const kept = tasksOwnedThroughout(layout, { generationId: 4, memberId: "m" }, [
      assignment(5, [...of("in", 0, 2), ...of("left", 1), ...of("right", 1)]),
      assignment(6, everything),
    ]);
    expect([...kept].sort()).toEqual(["0_0", "0_2", "1_1"]);
  });

  it("keeps a task only when all of its partitions stayed", () => {
    const kept = tasksOwnedThroughout(layout, { generationId: 1, memberId: "m" }, [
      assignment(2, [...of("in", 0), ...of("left", 0)]),
    ]);
    expect([...kept]).toEqual(["0_0", "1_0"]);
  });

  it("keeps nothing when a generation is missing: the member was out of the group in it", () => {
    expect(
      tasksOwnedThroughout(layout, { generationId: 4, memberId: "m" }, [assignment(6, everything)]),
    ).toEqual(new Set());
    expect(
      tasksOwnedThroughout(layout, { generationId: 4, memberId: "m" }, [
        assignment(5, everything),
        assignment(7, everything),
      ]),
    ).toEqual(new Set());
  });

  it("keeps nothing under a new member id, and nothing before a first assignment", () => {
    expect(
      tasksOwnedThroughout(layout, { generationId: 4, memberId: "m" }, [
        assignment(5, everything, "m-again"),
      ]),
    ).toEqual(new Set());
    expect(tasksOwnedThroughout(layout, undefined, [assignment(1, everything)])).toEqual(new Set());
  });

  it("takes the same generation twice as one", () => {
    const kept = tasksOwnedThroughout(layout, { generationId: 4, memberId: "m" }, [
      assignment(4, everything),
      assignment(5, everything),
    ]);
    expect(kept.size).toBe(5);
  });
});
