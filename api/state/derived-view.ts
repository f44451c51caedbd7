/**
 * A check's view of state that a processor keeps: a TopicView of the compacted topics a
 * topology writes (the latest value per key), so a start reads the current state, not the
 * history (docs/adr/009-write-path-checks.md).
 *
 * `catchUp()` keeps the TopicView's promise — every command committed before the call is
 * seen — across the processor: it takes the raw inputs' end offsets now (and the caller's
 * own positions), waits until the application's consumer group has committed past them
 * (exactly-once: their effects are then in its output and internal topics), follows its
 * internal topics the same way, then reads the derived topics to their ends of that moment.
 * If the processor does not get there in time the check answers 503, never from stale state.
 *
 *   const view = createDerivedView({ name: "catalog", topics: [snapshots…], inputs: [raw…],
 *     application: applicationGroup(types, "catalog-snapshots"), source, initial })
 */
import type { KafkaAdmin, RecordPosition } from "../../platform/kafka/index.ts";
import type { EventType } from "../../schemas/event-type.ts";
import { UserRegistered } from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { unavailable } from "../http/errors.ts";
import {
  createProcessorProgress,
  partitionOf,
  type Slot,
  slotOf,
} from "../positions/processor-progress.ts";
import { coalesced } from "./coalesce.ts";
import { createTopicView, type TopicView, type TopicViewOptions } from "./topic-view.ts";

/** The topologies whose state the API's checks read: the API needs them running. */
export const checkTopologies = [
  "identity-owners",
  "catalog-snapshots",
  "content-snapshots",
  "moment-snapshots",
  "service-snapshots",
  "account-snapshots",
  "playlist-snapshots",
] as const;

/** How long a check waits on the processors by default before answering 503. */
export const processorWaitMs = 10_000;

export interface DerivedViewOptions<S> extends TopicViewOptions<S> {
  /** The consumer group of the application that writes `topics` (`[prefix]vobe-<topology>`). */
  application: string;
  /** The raw topics it reads (prefixed): what a check must see the effects of. */
  inputs: readonly string[];
}

const prefixOf = (types: EventTypes) =>
  types.UserRegistered.topic.slice(0, -UserRegistered.topic.length);

/** The consumer group of a topology's application, under the API's topic prefix. */
export function applicationGroup(types: EventTypes, topology: string): string {
  return `${prefixOf(types)}vobe-${topology}`;
}

/**
 * A derived type under the API's topic prefix. Kept out of `ctx.types`: the API never
 * writes these, so it needs no schema id of theirs (a registry lookup each at start).
 */
export function derivedType<T>(types: EventTypes, type: EventType<T>): EventType<T> {
  return { ...type, topic: `${prefixOf(types)}${type.topic}` };
}

const topicOf = (slot: Slot) => slot.slice(0, slot.lastIndexOf(":"));

export function createDerivedView<S>(options: DerivedViewOptions<S>): TopicView<S> {
  const view = createTopicView(options);
  const progress = applicationProgress(options.source.admin, options.application, options.inputs);
  // Once the application has committed past the inputs, its outputs are in the log but
  // their commit markers may not be: the group's offsets and each output partition get
  // theirs separately. The high watermarks of that moment cover them (queued, like the
  // inputs' ends, so no caller gets a lookup made before it passed).
  const processors = createProcessorProgress(() => options.source.admin);
  const writtenEnds = coalesced(() => processors.endsOf(options.topics, "read_uncommitted"));
  const baseCatchUp = view.catchUp.bind(view);
  view.catchUp = async ({ past = [], timeoutMs = processorWaitMs } = {}) => {
    const deadline = Date.now() + timeoutMs;
    // The caller's own positions: of an input, the processor must pass them; of a topic
    // the view reads as it is (a raw compacted topic beside the derived ones), the view.
    const isInput = (p: RecordPosition) => options.inputs.includes(p.topic);
    await progress.passed(past.filter(isInput), deadline, options.name);
    const written: RecordPosition[] = [];
    for (const [slot, end] of await writtenEnds()) {
      if (end > 0n)
        written.push({ topic: topicOf(slot), partition: partitionOf(slot), offset: end - 1n });
    }
    await baseCatchUp({
      past: [...past.filter((p) => !isInput(p)), ...written],
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
  };
  return view;
}

/**
 * Waits for a streams application to pass every input record committed before the call
 * (and the records at `past`), through its internal topics (api/positions/processor-progress.ts);
 * past the deadline, 503 processors_behind.
 */
export function applicationProgress(admin: KafkaAdmin, groupId: string, inputs: readonly string[]) {
  const progress = createProcessorProgress(() => admin);
  // Checks arrive in crowds and share the inputs' end lookups. Queued, never joined: an
  // end looked up before a caller's call could be before what the caller must see.
  const inputEnds = coalesced(() => progress.endsOf(inputs));
  return {
    async passed(past: readonly RecordPosition[], deadline: number, name: string) {
      const wanted = new Map(await inputEnds());
      for (const p of past) {
        const at = slotOf(p.topic, p.partition);
        if (p.offset + 1n > (wanted.get(at) ?? 0n)) wanted.set(at, p.offset + 1n);
      }
      const passed = await progress.passed(groupId, wanted, deadline);
      if (passed.reached) return;
      const where = passed.stage === "inputs" ? passed.slot : `its internal topic ${passed.slot}`;
      throw unavailable(
        "processors_behind",
        `the ${name} check waits on the processors: ${groupId} has not processed ${where} up to ${passed.wanted} (at ${passed.committed ?? "nothing"}); are the processors running? retry`,
      );
    },
  };
}
