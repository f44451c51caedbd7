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
import { coalesced } from "./coalesce.ts";
import { createTopicView, type TopicView, type TopicViewOptions } from "./topic-view.ts";

/** The topologies whose state the API's checks read: the API needs them running. */
export const checkTopologies = [
  "identity-owners",
  "catalog-snapshots",
  "content-snapshots",
  "service-snapshots",
  "account-snapshots",
] as const;

/** How long a check waits on the processors by default before answering 503. */
export const processorWaitMs = 10_000;

/** Internal topics (repartition) are followed this many hops; ours have at most one. */
const internalHops = 2;

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

export function createDerivedView<S>(options: DerivedViewOptions<S>): TopicView<S> {
  const view = createTopicView(options);
  const progress = applicationProgress(options.source.admin, options.application, options.inputs);
  const baseCatchUp = view.catchUp.bind(view);
  view.catchUp = async ({ past = [], timeoutMs = processorWaitMs } = {}) => {
    const deadline = Date.now() + timeoutMs;
    // The caller's own positions: of an input, the processor must pass them; of a topic
    // the view reads as it is (a raw compacted topic beside the derived ones), the view.
    const isInput = (p: RecordPosition) => options.inputs.includes(p.topic);
    await progress.passed(past.filter(isInput), deadline, options.name);
    await baseCatchUp({
      past: past.filter((p) => !isInput(p)),
      timeoutMs: Math.max(1, deadline - Date.now()),
    });
  };
  return view;
}

const slot = (topic: string, partition: number) => `${topic}:${partition}`;

/**
 * Waits for a streams application to pass positions of its inputs. (The read side has the
 * same wait for one position in api/read/derived-positions.ts; this one takes every input's
 * end at once, as a check needs.)
 */
export function applicationProgress(admin: KafkaAdmin, groupId: string, inputs: readonly string[]) {
  const endsOf = async (topics: readonly string[]) => {
    const ends = new Map<string, bigint>();
    const all = await Promise.all(topics.map((t) => admin.endOffsets(t, "read_committed")));
    all.forEach((offsets, i) => {
      for (const [partition, end] of offsets.entries())
        ends.set(slot(topics[i] as string, partition), end);
    });
    return ends;
  };
  // Checks arrive in crowds: they share the inputs' end lookups and the group's offsets.
  const inputEnds = coalesced(() => endsOf(inputs));
  const committed = coalesced(() => admin.committedOffsets(groupId));
  let internalTopics: Promise<string[]> | undefined;
  const repartitionTopics = () => {
    internalTopics ??= admin
      .listTopics()
      .then((all) => all.filter((t) => t.startsWith(`${groupId}-`) && t.endsWith("-repartition")));
    return internalTopics;
  };

  const waitCommitted = async (wanted: Map<string, bigint>, deadline: number, name: string) => {
    let pause = 5;
    for (;;) {
      const offsets = await committed();
      const behind = [...wanted].find(([tp, end]) => end > 0n && (offsets.get(tp) ?? 0n) < end);
      if (!behind) return offsets;
      const left = deadline - Date.now();
      if (left <= 0) {
        const [tp, end] = behind;
        throw unavailable(
          "processors_behind",
          `the ${name} check waits on the processors: ${groupId} has not processed ${tp} up to ${end} (at ${offsets.get(tp) ?? "nothing"}); are the processors running? retry`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 50);
    }
  };

  return {
    /** Resolves once the application has processed every input record committed before the
     * call, and the records at `past`, including what it passed through its internal topics. */
    async passed(past: readonly RecordPosition[], deadline: number, name: string) {
      const wanted = new Map(await inputEnds());
      for (const p of past) {
        const at = slot(p.topic, p.partition);
        if (p.offset + 1n > (wanted.get(at) ?? 0n)) wanted.set(at, p.offset + 1n);
      }
      await waitCommitted(wanted, deadline, name);
      // What it passed on through its repartition topics (changelogs are not consumed).
      const internal = await repartitionTopics();
      for (let hop = 0; hop < internalHops && internal.length > 0; hop++) {
        await waitCommitted(await endsOf(internal), deadline, name);
      }
    },
  };
}
