/**
 * Read-your-writes through the processors (docs/adr/018-derived-fact-owners.md). A command
 * answers the position of its raw event (`listening.plays:2:1041`); a view fed by a derived
 * topic (`listening.track-play-counts`) must turn that into positions of the derived topic
 * before it can say "I have seen its effects".
 *
 * The bound is the writing application's own commit. Its consumer group (`vobe-<topology>`)
 * commits input offsets in the same Kafka transaction as the outputs they caused, so once
 * its committed offset on the raw partition is past the position, every effect of that
 * event — including "no output at all" (a duplicate play, a losing claim) — is in its output
 * and internal topics. Records it passed on through its own internal topics (repartition,
 * foreign-key subscriptions) are followed the same way: the group must commit past those
 * topics' ends as they were then, once per hop. Finally the derived topic's end offsets of
 * that moment are the positions the view must consume past. It waits on more than the one
 * event (everything before those ends), never less.
 *
 *   const progress = createDerivedProgress({ admin, topicPrefix });
 *   const on = await progress.through(position, "listening.track-play-counts", deadline);
 */
import type { KafkaAdmin } from "../../platform/kafka/index.ts";
import { catalog, type TopicEntry } from "../../schemas/catalog.ts";
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

  // Concurrent waits on one group share its lookup: a shared answer can only be older than
  // a fresh one, which makes a waiter look again, never conclude too early.
  const inFlight = new Map<string, Promise<Map<string, bigint>>>();
  const committed = (groupId: string) => {
    let lookup = inFlight.get(groupId);
    if (!lookup) {
      lookup = options
        .admin()
        .committedOffsets(groupId)
        .finally(() => inFlight.delete(groupId));
      inFlight.set(groupId, lookup);
    }
    return lookup;
  };

  // The topics an application writes and reads itself (repartition, foreign-key
  // subscription and response topics: `<application id>-…`); changelogs are only written.
  const internalTopics = new Map<string, string[]>();
  const internalTopicsOf = async (groupId: string): Promise<string[]> => {
    const known = internalTopics.get(groupId);
    if (known) return known;
    const found = (await options.admin().listTopics()).filter(
      (t) => t.startsWith(`${groupId}-`) && !t.endsWith("-changelog"),
    );
    // Kept only once the application has made them: before its first start there are none.
    if (found.length > 0) internalTopics.set(groupId, found);
    return found;
  };

  const endsOf = async (topic: string): Promise<Map<string, bigint>> => {
    const ends = await options.admin().endOffsets(topic, "read_committed");
    return new Map(ends.map((end, partition) => [`${topic}:${partition}`, end]));
  };

  /** Polls until the group has committed at least `wanted` everywhere; false at the deadline. */
  const waitCommitted = async (
    groupId: string,
    wanted: Map<string, bigint>,
    deadline: number,
  ): Promise<{ reached: true } | { reached: false; missing: [string, bigint | undefined] }> => {
    let pause = 5;
    for (;;) {
      const offsets = await committed(groupId);
      const missing = [...wanted].find(([tp, offset]) => (offsets.get(tp) ?? -1n) < offset);
      if (!missing) return { reached: true };
      const left = deadline - Date.now();
      if (left <= 0) return { reached: false, missing: [missing[0], offsets.get(missing[0])] };
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 50);
    }
  };

  /** One processor: from a position of one of its inputs to positions of its output `derived`. */
  const oneHop = async (
    position: ReadPosition,
    derived: string,
    deadline: number,
  ): Promise<{ positions: ReadPosition[] } | { unreached: Unreached }> => {
    const topology = entries.get(derived)?.derivedFrom?.topology;
    if (!topology) throw new Error(`${derived} is not a derived topic`);
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
    const input = `${position.topic}:${position.partition}`;
    const first = await waitCommitted(groupId, new Map([[input, position.offset + 1n]]), deadline);
    if (!first.reached) return notYet(first.missing[1]);
    const internal = await internalTopicsOf(groupId);
    // A record reaches the output through at most one pass over each internal topic (two
    // chained foreign-key joins pass four), so that many rounds follow the longest chain; a
    // round with nothing new costs one offsets lookup.
    for (let hop = 0; hop < internal.length; hop++) {
      const wanted = new Map<string, bigint>();
      for (const topic of internal) {
        // An empty partition has nothing to wait for (and no committed offset to compare).
        for (const [tp, end] of await endsOf(topic)) if (end > 0n) wanted.set(tp, end);
      }
      const next = await waitCommitted(groupId, wanted, deadline);
      if (!next.reached) return notYet(undefined);
    }
    const positions: ReadPosition[] = [];
    for (const [tp, end] of await endsOf(derived)) {
      if (end === 0n) continue;
      positions.push({
        topic: derived,
        partition: Number(tp.slice(tp.lastIndexOf(":") + 1)),
        offset: end - 1n,
      });
    }
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
