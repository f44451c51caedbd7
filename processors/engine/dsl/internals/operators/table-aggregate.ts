import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withKeyValue, withValue } from "../../../processor/record.ts";
import type { KeyValueStore } from "../../../state/api.ts";
import { type Change, change } from "../change.ts";
import type { GroupedChange } from "../internal-serdes.ts";
import type { Fold } from "./aggregate.ts";
import { forwardOnFlush } from "./cached-forward.ts";
import { forwarding } from "./stateless.ts";

/**
 * KTable.groupBy: re-keys both halves of a Change. The old value is sent first as a
 * "subtract" (to its old group), then the new one as an "add", so an update that moves
 * a row between groups takes it out of one and puts it in the other.
 */
export function regroupChange<K, V, K2, V2>(
  selector: (key: K, value: V) => [K2, V2],
): ProcessorSupplier<K, Change<V>, K2, GroupedChange<V2>> {
  return forwarding((record, forward) => {
    const { newValue, oldValue } = record.value;
    if (oldValue !== null) {
      const [key, value] = selector(record.key, oldValue);
      forward(withKeyValue(record, key, { value, subtract: true }));
    }
    if (newValue !== null) {
      const [key, value] = selector(record.key, newValue);
      forward(withKeyValue(record, key, { value, subtract: false }));
    }
  });
}

/** Aggregates a regrouped table with an adder and a subtractor; forwards Changes. */
export function tableAggregate<K, V, A>(
  storeName: string,
  adder: Fold<K, V, A>,
  subtractor: Fold<K, V, A>,
): ProcessorSupplier<K, GroupedChange<V>, K, Change<A>> {
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
        if (record.key === null || record.key === undefined) return;
        const previous = store.get(record.key);
        const { value, subtract } = record.value;
        // Nothing to take a value out of (only if state was lost): skip rather than guess.
        if (subtract && previous === undefined) return;
        const next = (subtract ? subtractor : adder)(record.key, value, previous);
        store.put(record.key, next);
        if (!cached) context.forward(withValue(record, change(next, previous ?? null)));
      },
    };
  };
}
