/**
 * Read-your-writes through the processors (docs/adr/018-derived-fact-owners.md). A command
 * answers the position of its raw event (`listening.plays:2:1041`); a view fed by a derived
 * topic (`listening.track-play-counts`) must turn that into positions of the derived topic
 * before it can say "I have seen its effects".
 *
 * The bound is the writing application's own commit: once its consumer group
 * (`vobe-<topology>`) has committed past the position, and past what it passed through its
 * internal topics by then (api/positions/processor-progress.ts), every effect of that event
 * — including "no output at all" (a duplicate play, a losing claim) — is in its output.
 * The derived topic's end offsets of that moment are then the positions the view must
 * consume past. It waits on more than the one event (everything before those ends), never
 * less. A derived topic computed from another derived topic is reached hop by hop.
 *
 * A translation, once made, holds forever (the ends of that moment were past every effect of
 * the event, and the log only grows), so it is remembered: a client that reads again with the
 * same `after` waits for what it waited for before, not for everything written since.
 *
 *   const progress = createDerivedProgress({ admin, topicPrefix });
 *   const on = await progress.through(position, "listening.track-play-counts", deadline);
 */
import type { KafkaAdmin } from "../../platform/kafka/index.ts";
import { catalog, type TopicEntry } from "../../schemas/catalog.ts";
import { createProcessorProgress, partitionOf, slotOf } from "../positions/processor-progress.ts";
import { formatPosition, type ReadPosition, type Unreached } from "./positions.ts";

export interface DerivedProgress {
  /** The raw topics whose positions a view reading `topics` can wait for, through processors. */
  inputsOf(topics: Iterable<string>): Set<string>;
  /**
   * Positions of `derived` (prefixed name) that include every effect of `position` (on one of
   * its inputs, directly or through other derived topics); or, past `deadline`, what the
   * processors had not reached.
   */
  through(
    position: ReadPosition,
    derived: string,
    deadline: number,
  ): Promise<{ positions: ReadPosition[] } | { unreached: Unreached }>;
}

/** How many translations are remembered (the oldest is forgotten first): about 1 MB. */
const translationsKept = 4_096;

export function createDerivedProgress(options: {
  admin: () => KafkaAdmin;
  topicPrefix?: string;
  /** The entries to follow (default: the catalog). */
  entries?: readonly TopicEntry[];
}): DerivedProgress {
  const prefix = options.topicPrefix ?? "";
  const entries = new Map((options.entries ?? catalog).map((e) => [`${prefix}${e.name}`, e]));
  const inputsOfTopic = (topic: string): string[] =>
    (entries.get(topic)?.derivedFrom?.inputs ?? []).map((t) => `${prefix}${t}`);

  /** Every topic `topic` is computed from, through any number of processors. */
  const upstream = (topic: string, seen = new Set<string>()): Set<string> => {
    for (const input of inputsOfTopic(topic)) {
      if (seen.has(input)) continue;
      seen.add(input);
      upstream(input, seen);
    }
    return seen;
  };

  const progress = createProcessorProgress(options.admin);
  const translated = new Map<string, ReadPosition[]>();
  const remember = (key: string, positions: ReadPosition[]) => {
    if (translated.size >= translationsKept) {
      const oldest = translated.keys().next();
      if (!oldest.done) translated.delete(oldest.value);
    }
    translated.set(key, positions);
  };

  /** One processor: from a position of one of its inputs to positions of its output `derived`. */
  const oneHop = async (
    position: ReadPosition,
    derived: string,
    deadline: number,
  ): Promise<{ positions: ReadPosition[] } | { unreached: Unreached }> => {
    const topology = entries.get(derived)?.derivedFrom?.topology;
    if (!topology) throw new Error(`${derived} is not a derived topic`);
    const key = `${formatPosition(position)}>${derived}`;
    const known = translated.get(key);
    if (known) return { positions: known };
    const groupId = `${prefix}vobe-${topology}`;
    const notYet = (at: bigint | undefined): { unreached: Unreached } => ({
      unreached: {
        position: formatPosition(position),
        topic: position.topic,
        partition: position.partition,
        offset: position.offset.toString(),
        // What the view could not reach is the processor's progress, not the sink's.
        viewNextOffset: at === undefined ? null : at.toString(),
      },
    });
    const wanted = new Map([[slotOf(position.topic, position.partition), position.offset + 1n]]);
    const passed = await progress.passed(groupId, wanted, deadline);
    if (!passed.reached) return notYet(passed.stage === "inputs" ? passed.committed : undefined);
    const positions: ReadPosition[] = [];
    // High watermarks, not last stable offsets: the group's offsets can be committed while
    // the commit markers of the same transaction are not yet on the output partitions.
    for (const [slot, end] of await progress.endsOf([derived], "read_uncommitted")) {
      if (end === 0n) continue;
      positions.push({ topic: derived, partition: partitionOf(slot), offset: end - 1n });
    }
    remember(key, positions);
    return { positions };
  };

  const through = async (
    position: ReadPosition,
    derived: string,
    deadline: number,
  ): Promise<{ positions: ReadPosition[] } | { unreached: Unreached }> => {
    const inputs = inputsOfTopic(derived);
    if (inputs.includes(position.topic)) return oneHop(position, derived, deadline);
    // Through another derived topic first (e.g. comments → comment counts → post details).
    const via = inputs.find((input) => upstream(input).has(position.topic));
    if (!via) throw new Error(`${derived} is not computed from ${position.topic}`);
    const before = await through(position, via, deadline);
    if ("unreached" in before) return before;
    const positions = new Map<string, ReadPosition>();
    for (const p of before.positions) {
      const after = await oneHop(p, derived, deadline);
      if ("unreached" in after) return after;
      for (const q of after.positions) {
        const key = `${q.topic}:${q.partition}`;
        const known = positions.get(key);
        if (!known || known.offset < q.offset) positions.set(key, q);
      }
    }
    return { positions: [...positions.values()] };
  };

  return {
    inputsOf(topics) {
      const all = new Set<string>();
      for (const topic of topics) for (const input of upstream(topic)) all.add(input);
      return all;
    },
    through,
  };
}
