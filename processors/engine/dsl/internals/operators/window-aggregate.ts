import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withKeyValue } from "../../../processor/record.ts";
import type { Windowed, WindowStore } from "../../../state/api.ts";
import { droppedRecordsSensor } from "../../dropped-records.ts";
import type { TimeWindows } from "../../windows.ts";
import { type Change, change } from "../change.ts";
import type { Fold } from "./aggregate.ts";
import { forwardOnFlush } from "./cached-forward.ts";

/**
 * Tumbling/hopping aggregation: each record updates every window holding its timestamp
 * that is still open (stream time < window end + grace). For a closed window the record
 * is dropped and counted, once per window, like Kafka Streams' dropped-records sensor.
 * Expired windows leave the store once stream time passes their retention.
 */
export function windowAggregate<K, V, A>(
  nodeName: string,
  storeName: string,
  windows: TimeWindows,
  retentionMs: number,
  fold: Fold<K, V, A>,
): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<A>>;
    let store: WindowStore<K, A>;
    let cleanedUpTo = Number.NEGATIVE_INFINITY;
    // Whole-store scans for expiry are spread out: at most once per half retention, so
    // each window is visited a bounded number of times before it expires.
    const cleanupEvery = Math.max(1, Math.floor(retentionMs / 2));
    let cached = false;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<WindowStore<K, A>>(storeName);
        cached = forwardOnFlush(store, ctx);
      },
      process(record) {
        if (record.key === null || record.key === undefined) {
          droppedRecordsSensor.record(context.applicationId, context.taskId, nodeName, "null-key");
          return;
        }
        if (record.value === null || record.value === undefined) return;
        const streamTime = context.currentStreamTime();
        for (const start of windows.windowStartsFor(record.timestamp)) {
          const end = start + windows.sizeMs;
          if (streamTime >= end + windows.graceMs) {
            droppedRecordsSensor.record(context.applicationId, context.taskId, nodeName, "late");
            continue;
          }
          const previous = store.fetch(record.key, start);
          const next = fold(record.key, record.value, previous);
          store.put(record.key, start, next);
          if (cached) continue;
          const windowed = { key: record.key, start, end };
          context.forward(withKeyValue(record, windowed, change(next, previous ?? null)));
        }
        if (streamTime - cleanedUpTo >= cleanupEvery) {
          store.removeBefore(streamTime - retentionMs + 1);
          cleanedUpTo = streamTime;
        }
      },
    };
  };
}
