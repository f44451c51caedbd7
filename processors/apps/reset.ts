/**
 * Resets streams applications, as Kafka's kafka-streams-application-reset does: the next
 * start reprocesses their inputs from offset 0 and rebuilds their state. For each one: its
 * consumer group (committed offsets) is deleted, its internal topics (changelogs,
 * repartition and foreign-key topics, all named `<application id>-…`) are deleted, and its
 * local state under the state directory is removed. The derived topics it wrote are kept:
 * the replay writes the same facts again, and the views keep the latest per key.
 *
 * An application that is running refuses the reset (its group has members): stop it first.
 *
 *   await resetApplications({ brokers, names: ["plays-per-track"], stateDir });
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createAdmin } from "../../platform/kafka/index.ts";
import { StateManager } from "../engine/runtime/state-manager.ts";
import { applicationIdOf, defaultStateDir } from "./app.ts";

export interface ResetResult {
  applicationId: string;
  deletedTopics: string[];
  /** Partitions with a committed offset before the reset (what it starts over from). */
  committedPartitions: number;
  /** Whether it had local state to remove. */
  hadLocalState: boolean;
}

export async function resetApplications(options: {
  brokers: string[];
  names: readonly string[];
  stateDir?: string;
  prefix?: string;
  /** Say what would be deleted; delete nothing. */
  dryRun?: boolean;
}): Promise<ResetResult[]> {
  const admin = createAdmin({ brokers: options.brokers, clientId: "vobe-processors-reset" });
  try {
    const ids = options.names.map((name) => applicationIdOf(name, options.prefix ?? ""));
    for (const applicationId of ids) {
      const members = await admin.groupMembers(applicationId);
      if (members.length > 0) {
        throw new Error(
          `${applicationId} is running (${members.length} member(s) in its group): stop the processors first (vobe stop, or stop vobe serve processors)`,
        );
      }
    }
    const topics = await admin.listTopics();
    const results: ResetResult[] = [];
    const stateDir = options.stateDir ?? defaultStateDir;
    for (const applicationId of ids) {
      // Its dead letters are not state: they wait for an operator (vobe dlq), reset or not.
      const internal = topics.filter(
        (t) => t.startsWith(`${applicationId}-`) && t !== `${applicationId}-dlq`,
      );
      const committedPartitions = (await admin.committedOffsets(applicationId)).size;
      const hadLocalState = existsSync(join(stateDir, applicationId));
      if (!options.dryRun) {
        await admin.deleteGroup(applicationId);
        await admin.deleteTopics(internal);
        StateManager.deleteLocalState(stateDir, applicationId);
      }
      results.push({ applicationId, deletedTopics: internal, committedPartitions, hadLocalState });
    }
    return results;
  } finally {
    await admin.close();
  }
}
