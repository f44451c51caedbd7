import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { emptyHeaders, withValue } from "../../../processor/record.ts";
import type { KeyValueStore, Windowed, WindowStore } from "../../../state/api.ts";
import { droppedRecordsSensor } from "../../dropped-records.ts";

export interface StreamJoinSide<K, VThis, VOther, VO> {
  nodeName: string;
  /** This side's buffer: records by key and timestamp (a list: several may share both). */
  thisStore: string;
  otherStore: string;
  /** A record at t joins other-side records in [t - beforeMs, t + afterMs]. */
  beforeMs: number;
  afterMs: number;
  graceMs: number;
  joiner: (mine: VThis, theirs: VOther, key: K) => VO;
  /**
   * Left join only: the left side's records that have not matched yet, in a key-value
   * store ordered by time first (keys `{ key, start: t, end: t }`, end-first serde). The
   * left side writes them, the right side erases the ones it matches, and both sides emit
   * (value, null) for those whose window has closed: no spurious early left results.
   */
  unmatched?: { store: string; isLeftSide: boolean; emptyJoin: (left: unknown, key: K) => VO };
}

/** What both sides of a left join know about the unmatched records they share. */
interface Waiting<K> {
  /** No unmatched record is older than this; -Infinity: unknown. */
  earliest: number;
  /** The last one emitted: those still waiting sort after it. */
  cursor: Windowed<K> | undefined;
}

const waitingByStore = new WeakMap<object, Waiting<unknown>>();

/**
 * One side of a windowed stream-stream join. A record is buffered, then joined with
 * every buffered other-side record of its key within the window; output time is the
 * later of the two. Records older than the window plus grace are dropped and counted.
 */
export function streamJoinSide<K, VThis, VOther, VO>(
  side: StreamJoinSide<K, VThis, VOther, VO>,
): ProcessorSupplier<K, VThis, K, VO> {
  const retention = side.beforeMs + side.afterMs + side.graceMs;
  // Expiry scans the whole buffer: at most once per half retention of stream time.
  const cleanupEvery = Math.max(1, Math.floor(retention / 2));
  return () => {
    let context: ProcessorContext<K, VO>;
    let mine: WindowStore<K, VThis[]>;
    let theirs: WindowStore<K, VOther[]>;
    let unmatched: KeyValueStore<Windowed<K>, unknown[]> | undefined;
    let cleanedUpTo = Number.NEGATIVE_INFINITY;
    let waiting: Waiting<K> = { earliest: Number.NEGATIVE_INFINITY, cursor: undefined };
    return {
      init(ctx) {
        context = ctx;
        mine = ctx.getStateStore(side.thisStore);
        theirs = ctx.getStateStore(side.otherStore);
        if (side.unmatched) {
          const store = ctx.getStateStore<KeyValueStore<Windowed<K>, unknown[]>>(
            side.unmatched.store,
          );
          unmatched = store;
          // Both sides write the store: they share what is known about it. A new graph
          // (start, abort) starts from "unknown".
          waiting = (waitingByStore.get(store) as Waiting<K> | undefined) ?? waiting;
          waitingByStore.set(store, waiting);
          waiting.earliest = Number.NEGATIVE_INFINITY;
          waiting.cursor = undefined;
        }
      },
      process(record) {
        const { key, value, timestamp: t } = record;
        const streamTime = context.currentStreamTime();
        if (key === null || key === undefined || value === null || value === undefined) return;
        if (t + side.afterMs + side.graceMs < streamTime) {
          droppedRecordsSensor.record(context.applicationId, context.taskId, side.nodeName, "late");
          return;
        }
        mine.put(key, t, [...(mine.fetch(key, t) ?? []), value]);
        const matches = [...theirs.fetchRange(key, t - side.beforeMs, t + side.afterMs)];
        for (const [otherTime, others] of matches) {
          for (const other of others) {
            const joined = side.joiner(value, other, key);
            context.forward({ ...withValue(record, joined), timestamp: Math.max(t, otherTime) });
          }
        }
        if (unmatched && side.unmatched) {
          if (side.unmatched.isLeftSide && matches.length === 0) {
            const at = { key, start: t, end: t };
            unmatched.put(at, [...(unmatched.get(at) ?? []), value]);
            waiting.earliest = Math.min(waiting.earliest, t);
            if (waiting.cursor && t <= waiting.cursor.start) waiting.cursor = undefined;
          } else if (!side.unmatched.isLeftSide) {
            for (const [leftTime] of matches)
              unmatched.delete({ key, start: leftTime, end: leftTime });
          }
          emitClosedUnmatched(streamTime);
        }
        if (streamTime - cleanedUpTo >= cleanupEvery) {
          mine.removeBefore(streamTime - retention);
          cleanedUpTo = streamTime;
        }
      },
    };

    /**
     * Walks the time-ordered unmatched records only when the oldest may have closed, and
     * from after the last one emitted: bounded work per record, whatever is buffered.
     */
    function emitClosedUnmatched(streamTime: number): void {
      if (!unmatched || !side.unmatched) return;
      // A left record at t can still meet right records until t + after + grace.
      const leftAfter = side.unmatched.isLeftSide ? side.afterMs : side.beforeMs;
      const closedBefore = streamTime - leftAfter - side.graceMs;
      if (waiting.earliest >= closedBefore) return;
      const closed: Array<[Windowed<K>, unknown[]]> = [];
      waiting.earliest = Number.POSITIVE_INFINITY;
      for (const entry of unmatched.range(waiting.cursor ?? null, null)) {
        if (entry[0].start >= closedBefore) {
          waiting.earliest = entry[0].start;
          break;
        }
        closed.push(entry);
      }
      for (const [window, values] of closed) {
        unmatched.delete(window);
        waiting.cursor = window;
        for (const value of values) {
          const joined = side.unmatched.emptyJoin(value, window.key);
          context.forward({
            key: window.key,
            value: joined,
            timestamp: window.start,
            headers: emptyHeaders,
          });
        }
      }
    }
  };
}
