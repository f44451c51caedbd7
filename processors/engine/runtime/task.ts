import { partitionKey, type TopicPartition } from "../../../platform/kafka/index.ts";
import type { TaskId } from "../processor/record.ts";
import type { CollectedRecord } from "../topology/collector.ts";
import type { SubtopologySpec } from "../topology/spec.ts";
import { type TaskEnvironment, TaskGraph } from "../topology/task-graph.ts";
import type { StateManager } from "./state-manager.ts";

/**
 * One partition of one sub-topology on this instance: its graph, its stores, and how far
 * it has read each input partition. `committed` marks what the last commit covered, so
 * a commit only sends offsets that moved.
 */
export class StreamTask {
  graph: TaskGraph;
  /** Next offset to fetch, per input partition. */
  readonly positions = new Map<string, { tp: TopicPartition; offset: bigint }>();
  private readonly committedAt = new Map<string, bigint>();

  constructor(
    readonly id: TaskId,
    readonly spec: SubtopologySpec,
    readonly state: StateManager,
    private readonly environment: () => TaskEnvironment,
  ) {
    this.graph = this.newGraph();
  }

  /**
   * A fresh graph over the same stores: after an abort, processors must not keep
   * anything (punctuation schedules, stream time) from the work that was thrown away.
   */
  resetGraph(): void {
    this.graph.close();
    this.graph = this.newGraph();
  }

  setPosition(tp: TopicPartition, offset: bigint, committed: boolean): void {
    const key = partitionKey(tp);
    this.positions.set(key, { tp, offset });
    if (committed) this.committedAt.set(key, offset);
  }

  /** Offsets that moved since the last commit. */
  offsetsToCommit(): Array<TopicPartition & { offset: bigint }> {
    const moved = [];
    for (const [key, { tp, offset }] of this.positions) {
      if (this.committedAt.get(key) !== offset) moved.push({ ...tp, offset });
    }
    return moved;
  }

  markCommitted(): void {
    for (const [key, { offset }] of this.positions) this.committedAt.set(key, offset);
  }

  changelogRecords(): CollectedRecord[] {
    return this.state.changelogRecords();
  }

  close(): void {
    this.graph.close();
    this.state.close();
  }

  private newGraph(): TaskGraph {
    const graph = new TaskGraph(this.spec, this.environment());
    graph.init();
    return graph;
  }
}
