import type { ProcessorContext } from "../../processor/api.ts";
import type { KeyValueStore } from "../../state/api.ts";

/**
 * How a join looks up a table's current value by key without materializing every
 * derived table: a materialized table reads its store; filter/mapValues/join results
 * apply their function to their parent's lookup (Kafka Streams' KTableValueGetter).
 */
export interface ValueGetter<K, V> {
  /** Stores the looking-up processor must be connected to. */
  readonly stores: readonly string[];
  open(context: ProcessorContext<unknown, unknown>): (key: K) => V | null;
}

export function storeGetter<K, V>(store: string): ValueGetter<K, V> {
  return {
    stores: [store],
    open(context) {
      const kv = context.getStateStore<KeyValueStore<K, V>>(store);
      return (key) => kv.get(key) ?? null;
    },
  };
}

export function derivedGetter<K, V, V2>(
  parent: ValueGetter<K, V>,
  derive: (key: K, value: V | null) => V2 | null,
): ValueGetter<K, V2> {
  return {
    stores: parent.stores,
    open(context) {
      const get = parent.open(context);
      return (key) => derive(key, get(key));
    },
  };
}
