import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withValue } from "../../../processor/record.ts";
import type { ValueGetter } from "../value-getter.ts";

/**
 * Stream-table (and stream-global-table) join: each stream record looks up the table's
 * current value; table updates alone emit nothing. Inner joins skip records without a
 * match; left joins call the joiner with null. Records without a lookup key are skipped.
 */
export function streamTableJoin<K, V, KT, VT, VO>(
  table: ValueGetter<KT, VT>,
  lookupKey: (key: K, value: V) => KT | null,
  joiner: (value: V, tableValue: VT | null, key: K) => VO,
  left: boolean,
): ProcessorSupplier<K, V, K, VO> {
  return () => {
    let context: ProcessorContext<K, VO>;
    let get: (key: KT) => VT | null;
    return {
      init(ctx) {
        context = ctx;
        get = table.open(ctx as ProcessorContext<unknown, unknown>);
      },
      process(record) {
        if (record.value === null || record.value === undefined) return;
        const key = lookupKey(record.key, record.value);
        if (key === null || key === undefined) return;
        const match = get(key);
        if (match === null && !left) return;
        context.forward(withValue(record, joiner(record.value, match, record.key)));
      },
    };
  };
}
