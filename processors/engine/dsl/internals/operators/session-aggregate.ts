import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withKeyValue } from "../../../processor/record.ts";
import type { SessionStore, Windowed } from "../../../state/api.ts";
import { droppedRecordsSensor } from "../../dropped-records.ts";
import type { SessionWindows } from "../../windows.ts";
import { type Change, change } from "../change.ts";
import type { Fold } from "./aggregate.ts";
import { forwardOnFlush } from "./cached-forward.ts";

/** Combines two sessions' aggregates when a record bridges them. */
export type Merger<K, A> = (key: K, left: A, right: A) => A;

/**
 * Session aggregation. A record at t joins every session of its key that ends at or
 * after t - gap and starts at or before t + gap; those sessions are merged into one
 * (removed, each forwarded as a tombstone for its old window) and the merged session
 * is stored and forwarded. A merged session that ends before stream time - grace is
 * late: dropped and counted.
 */
export function sessionAggregate<K, V, A>(
  nodeName: string,
  storeName: string,
  windows: SessionWindows,
  retentionMs: number,
  fold: Fold<K, V, A>,
  merger: Merger<K, A>,
): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<A>>;
    let store: SessionStore<K, A>;
    let cleanedUpTo = Number.NEGATIVE_INFINITY;
    const cleanupEvery = Math.max(1, Math.floor(retentionMs / 2));
    let cached = false;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<SessionStore<K, A>>(storeName);
        // Cached: merged-away sessions go down as tombstones when the cache flushes, and
        // only if downstream had seen them.
        cached = forwardOnFlush(store, ctx);
      },
      process(record) {
        const key = record.key;
        if (key === null || key === undefined) {
          droppedRecordsSensor.record(context.applicationId, context.taskId, nodeName, "null-key");
          return;
        }
        if (record.value === null || record.value === undefined) return;
        const t = record.timestamp;
        const streamTime = context.currentStreamTime();
        // Collected first: the store changes below.
        const overlapping = [...store.findSessions(key, t - windows.gapMs, t + windows.gapMs)];
        let start = t;
        let end = t;
        let merged: A | undefined;
        for (const [session, aggregate] of overlapping) {
          start = Math.min(start, session.start);
          end = Math.max(end, session.end);
          merged = merged === undefined ? aggregate : merger(key, merged, aggregate);
        }
        if (end + windows.graceMs < streamTime) {
          droppedRecordsSensor.record(context.applicationId, context.taskId, nodeName, "late");
          return;
        }
        const next = fold(key, record.value, merged);
        let previous: A | null = null;
        for (const [session, aggregate] of overlapping) {
          if (session.start === start && session.end === end) {
            previous = aggregate;
            continue;
          }
          store.remove(session);
          if (!cached) context.forward(withKeyValue(record, session, change<A>(null, aggregate)));
        }
        const window = { key, start, end };
        store.put(window, next);
        if (!cached) context.forward(withKeyValue(record, window, change(next, previous)));
        if (streamTime - cleanedUpTo >= cleanupEvery) {
          store.removeEndedBefore(streamTime - retentionMs);
          cleanedUpTo = streamTime;
        }
      },
    };
  };
}
