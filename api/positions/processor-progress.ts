/**
 * How far a streams application has got: the one wait that both read-your-writes through
 * a derived view (api/read/derived-positions.ts) and the write checks' derived state
 * (api/state/derived-view.ts) are built on.
 *
 * An application's consumer group (`[prefix]vobe-<topology>`) commits its input offsets in
 * the same Kafka transaction as the outputs they caused, so once it has committed past a
 * position every effect of the records before it — "no output at all" included — is in its
 * output and internal topics. What it passed on through its own internal topics
 * (repartition, foreign-key subscription and response topics: `<application id>-…`) is
 * followed the same way, one round per internal topic: a record crosses each at most once
 * on its way to the output (two chained foreign-key joins pass four), so that many rounds
 * follow the longest chain, and a round with nothing new costs one offsets lookup.
 *
 *   const progress = createProcessorProgress(() => admin);
 *   const at = await progress.passed("vobe-plays-per-track", new Map([["listening.plays:2", 1042n]]), deadline);
 *   if (!at.reached) … at.slot, at.committed …
 */
import type { IsolationLevel, KafkaAdmin } from "../../platform/kafka/index.ts";

/** `<topic>:<partition>`, as KafkaAdmin.committedOffsets keys them. */
export type Slot = string;

export const slotOf = (topic: string, partition: number): Slot => `${topic}:${partition}`;
export const partitionOf = (slot: Slot): number => Number(slot.slice(slot.lastIndexOf(":") + 1));

export type Progress =
  | { reached: true }
  | {
      reached: false;
      /** The first partition the group had not committed far enough on. */
      slot: Slot;
      wanted: bigint;
      committed: bigint | undefined;
      /** Whether it was behind on the positions asked for, or on its internal topics. */
      stage: "inputs" | "internal";
    };

export interface ProcessorProgress {
  /**
   * Resolves once `groupId` has committed at least `wanted` (slot → next offset; 0 asks for
   * nothing), then passed everything it had written to its internal topics by then; or, at
   * `deadline`, where it was behind.
   */
  passed(groupId: string, wanted: ReadonlyMap<Slot, bigint>, deadline: number): Promise<Progress>;
  /**
   * The end offsets of `topics`, slot → end: read_committed by default; read_uncommitted
   * (the high watermarks) for what a committed application wrote, see `written`.
   */
  endsOf(topics: readonly string[], isolation?: IsolationLevel): Promise<Map<Slot, bigint>>;
}

export function createProcessorProgress(admin: () => KafkaAdmin): ProcessorProgress {
  // Waits arrive in crowds and share a group's lookup. Joining one already in flight is
  // safe for committed offsets (they only grow): an older answer makes a waiter look
  // again, never conclude too early.
  const inFlight = new Map<string, Promise<Map<Slot, bigint>>>();
  const committed = (groupId: string) => {
    let lookup = inFlight.get(groupId);
    if (!lookup) {
      lookup = admin()
        .committedOffsets(groupId)
        .finally(() => inFlight.delete(groupId));
      inFlight.set(groupId, lookup);
    }
    return lookup;
  };

  // The topics an application writes and reads itself; changelogs are only written.
  const internalTopics = new Map<string, string[]>();
  const internalTopicsOf = async (groupId: string, started: boolean): Promise<string[]> => {
    const known = internalTopics.get(groupId);
    if (known) return known;
    const found = (await admin().listTopics()).filter(
      (t) => t.startsWith(`${groupId}-`) && !t.endsWith("-changelog"),
    );
    // An application makes its internal topics before its first commit: a list taken once
    // the group has committed is final (none at all, for most), one taken before is not.
    if (found.length > 0 || started) internalTopics.set(groupId, found);
    return found;
  };

  const endsOf = async (
    topics: readonly string[],
    isolation: IsolationLevel = "read_committed",
  ) => {
    const ends = new Map<Slot, bigint>();
    const all = await Promise.all(topics.map((t) => admin().endOffsets(t, isolation)));
    all.forEach((offsets, i) => {
      offsets.forEach((end, partition) => {
        ends.set(slotOf(topics[i] as string, partition), end);
      });
    });
    return ends;
  };

  type Behind = Omit<Extract<Progress, { reached: false }>, "stage">;
  const waitCommitted = async (
    groupId: string,
    wanted: ReadonlyMap<Slot, bigint>,
    deadline: number,
  ): Promise<{ reached: true; started: boolean } | Behind> => {
    let pause = 5;
    for (;;) {
      const offsets = await committed(groupId);
      // An empty partition has nothing to wait for (and no committed offset to compare).
      const behind = [...wanted].find(([slot, end]) => end > 0n && (offsets.get(slot) ?? 0n) < end);
      if (!behind) return { reached: true, started: offsets.size > 0 };
      const left = deadline - Date.now();
      if (left <= 0) {
        const [slot, end] = behind;
        return { reached: false, slot, wanted: end, committed: offsets.get(slot) };
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
      pause = Math.min(pause * 2, 50);
    }
  };

  return {
    endsOf,
    async passed(groupId, wanted, deadline) {
      const first = await waitCommitted(groupId, wanted, deadline);
      if (!first.reached) return { ...first, stage: "inputs" };
      const internal = await internalTopicsOf(groupId, first.started);
      for (let round = 0; round < internal.length; round++) {
        // High watermarks: the records of a transaction whose offsets are committed may
        // still be past the last stable offset (its markers land partition by partition).
        const next = await waitCommitted(
          groupId,
          await endsOf(internal, "read_uncommitted"),
          deadline,
        );
        if (!next.reached) return { ...next, stage: "internal" };
      }
      return { reached: true };
    },
  };
}
