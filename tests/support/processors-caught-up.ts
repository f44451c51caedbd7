/**
 * Waits until the topologies have consumed every committed record of their inputs and of
 * their own internal topics (repartition, foreign-key subscriptions): their consumer groups'
 * committed offsets reach those topics' read_committed ends, twice in a row (a hop may add
 * records to an internal topic between two looks). Exactly-once: their outputs are then all
 * in the derived topics, and a sink that reads to those topics' ends sees every effect.
 *
 *   await processorsCaughtUp({ admin, topicPrefix, topologies: topologyNames });
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { KafkaAdmin } from "../../platform/kafka/index.ts";
import { catalog } from "../../schemas/catalog.ts";

export async function processorsCaughtUp(options: {
  admin: KafkaAdmin;
  topicPrefix: string;
  topologies: readonly string[];
  timeoutMs?: number;
}): Promise<void> {
  const { admin, topicPrefix } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const topicsOf = async (topology: string, all: readonly string[]): Promise<string[]> => {
    const groupId = `${topicPrefix}vobe-${topology}`;
    const inputs = catalog
      .filter((t) => t.derivedFrom?.topology === topology)
      .flatMap((t) => t.derivedFrom?.inputs ?? [])
      .map((t) => `${topicPrefix}${t}`);
    const internal = all.filter((t) => t.startsWith(`${groupId}-`) && !t.endsWith("-changelog"));
    return [...new Set([...inputs, ...internal])];
  };
  let quietLooks = 0;
  let behind: string[] = [];
  while (quietLooks < 2) {
    if (Date.now() > deadline) {
      throw new Error(`the processors did not catch up: ${behind.slice(0, 10).join(", ")}`);
    }
    const all = await admin.listTopics();
    behind = [];
    for (const topology of options.topologies) {
      const committed = await admin.committedOffsets(`${topicPrefix}vobe-${topology}`);
      for (const topic of await topicsOf(topology, all)) {
        const ends = await admin.endOffsets(topic, "read_committed");
        ends.forEach((end, partition) => {
          const at = committed.get(`${topic}:${partition}`) ?? 0n;
          if (at < end) behind.push(`${topology} ${topic}:${partition} at ${at} of ${end}`);
        });
      }
    }
    quietLooks = behind.length === 0 ? quietLooks + 1 : 0;
    await sleep(behind.length === 0 ? 150 : 50);
  }
}
