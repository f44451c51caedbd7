import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { emptyHeaders, withValue } from "../../../processor/record.ts";
import type { WindowStore } from "../../../state/api.ts";
import { MIN_TIME } from "../../../state/bytes.ts";
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
   * Left join only: the left side's records that have not matched yet. The left side
   * writes them, the right side erases the ones it matches, and both sides emit
   * (value, null) for those whose window has closed: no spurious early left results.
   */
  unmatched?: { store: string; isLeftSide: boolean; emptyJoin: (left: unknown, key: K) => VO };
}

/**
 * One side of a windowed stream-stream join. A record is buffered, then joined with
 * every buffered other-side record of its key within the window; output time is the
 * later of the two. Records older than the window plus grace are dropped and counted.
 */
export function streamJoinSide<K, VThis, VOther, VO>(
  side: StreamJoinSide<K, VThis, VOther, VO>,
): ProcessorSupplier<K, VThis, K, VO> {
  const retention = side.beforeMs + side.afterMs + side.graceMs;
  return () => {
    let context: ProcessorContext<K, VO>;
    let mine: WindowStore<K, VThis[]>;
    let theirs: WindowStore<K, VOther[]>;
    let unmatched: WindowStore<K, unknown[]> | undefined;
    return {
      init(ctx) {
        context = ctx;
        mine = ctx.getStateStore(side.thisStore);
        theirs = ctx.getStateStore(side.otherStore);
        if (side.unmatched) unmatched = ctx.getStateStore(side.unmatched.store);
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
            unmatched.put(key, t, [...(unmatched.fetch(key, t) ?? []), value]);
          } else if (!side.unmatched.isLeftSide) {
            for (const [leftTime] of matches) unmatched.put(key, leftTime, null);
          }
          emitClosedUnmatched(streamTime);
        }
        mine.removeBefore(streamTime - retention);
      },
    };

    function emitClosedUnmatched(streamTime: number): void {
      if (!unmatched || !side.unmatched) return;
      // A left record at t can still meet right records until t + after + grace.
      const leftAfter = side.unmatched.isLeftSide ? side.afterMs : side.beforeMs;
      const closedBefore = streamTime - leftAfter - side.graceMs;
      const closed = [...unmatched.fetchAll(MIN_TIME, closedBefore - 1)];
      for (const [window, values] of closed) {
        unmatched.put(window.key, window.start, null);
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
