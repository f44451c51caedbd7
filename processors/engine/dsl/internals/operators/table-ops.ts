import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withValue } from "../../../processor/record.ts";
import type { KeyValueStore } from "../../../state/api.ts";
import { droppedRecordsSensor } from "../../dropped-records.ts";
import { type Change, change } from "../change.ts";
import { forwarding } from "./stateless.ts";

/**
 * Materializes a stream of upserts into a store and forwards each as a Change (new and
 * old value): the source of builder.table() and of toTable(). A null value deletes.
 */
export function materialize<K, V>(
  nodeName: string,
  storeName: string,
): ProcessorSupplier<K, V | null, K, Change<V>> {
  return () => {
    let store: KeyValueStore<K, V>;
    let context: ProcessorContext<K, Change<V>>;
    return {
      init(ctx) {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<K, V>>(storeName);
      },
      process(record) {
        if (record.key === null || record.key === undefined) {
          droppedRecordsSensor.record(context.applicationId, context.taskId, nodeName, "null-key");
          return;
        }
        const old = store.get(record.key) ?? null;
        if (record.value === null) store.delete(record.key);
        else store.put(record.key, record.value);
        if (old === null && record.value === null) return;
        context.forward(withValue(record, change(record.value, old)));
      },
    };
  };
}

/** Applies a value function to both sides of a Change; drops it if both become null. */
export function mapChange<K, V, V2>(
  fn: (key: K, value: V) => V2 | null,
): ProcessorSupplier<K, Change<V>, K, Change<V2>> {
  return forwarding((record, forward) => {
    const { newValue, oldValue } = record.value;
    const next = newValue === null ? null : fn(record.key, newValue);
    const previous = oldValue === null ? null : fn(record.key, oldValue);
    if (next === null && previous === null) return;
    forward(withValue(record, change(next, previous)));
  });
}

/** The new values as a stream of upserts; a deleted key becomes a tombstone (null value). */
export function changeToStream<K, V>(): ProcessorSupplier<K, Change<V>, K, V | null> {
  return forwarding((record, forward) => forward(withValue(record, record.value.newValue)));
}
