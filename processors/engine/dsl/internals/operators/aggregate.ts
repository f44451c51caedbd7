import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withValue } from "../../../processor/record.ts";
import type { KeyValueStore } from "../../../state/api.ts";
import { droppedRecordsSensor } from "../../dropped-records.ts";
import { type Change, change } from "../change.ts";
import { forwardOnFlush } from "./cached-forward.ts";

/**
 * One step of an aggregation: the new aggregate from a value and the previous aggregate
 * (undefined for a key's first value). count, reduce and aggregate are all folds.
 */
export type Fold<K, V, A> = (key: K, value: V, previous: A | undefined) => A;

/**
 * Per-key aggregation of a stream into a store; forwards each update as a Change so the
 * resulting table can feed joins and further aggregations. Records without a key or
 * value are skipped (null keys counted as dropped), as in Kafka Streams.
 */
export function streamAggregate<K, V, A>(
  nodeName: string,
  storeName: string,
  fold: Fold<K, V, A>,
): ProcessorSupplier<K, V, K, Change<A>> {
  return () => {
    let context: ProcessorContext<K, Change<A>>;
    let store: KeyValueStore<K, A>;
    let cached = false;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, A>>(storeName);
        cached = forwardOnFlush(store, ctx);
      },
      process(record) {
        if (record.key === null || record.key === undefined) {
          droppedRecordsSensor.record(context.applicationId, context.taskId, nodeName, "null-key");
          return;
        }
        if (record.value === null || record.value === undefined) return;
        const previous = store.get(record.key);
        const next = fold(record.key, record.value, previous);
        store.put(record.key, next);
        if (!cached) context.forward(withValue(record, change(next, previous ?? null)));
      },
    };
  };
}
