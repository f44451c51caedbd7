import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import type { StreamRecord } from "../../../processor/record.ts";

type Forward<K, V> = (record: StreamRecord<K, V>) => void;

/**
 * A stateless operator from one function: it sees each record and forwards any number.
 * filter, map, flatMap, peek, toStream... are each a line on top of this.
 */
export function forwarding<KIn, VIn, KOut, VOut>(
  handle: (record: StreamRecord<KIn, VIn>, forward: Forward<KOut, VOut>) => void,
): ProcessorSupplier<KIn, VIn, KOut, VOut> {
  return () => {
    let forward: Forward<KOut, VOut> = () => {};
    return {
      init(context: ProcessorContext<KOut, VOut>) {
        forward = (record) => context.forward(record);
      },
      process(record) {
        handle(record, forward);
      },
    };
  };
}

/** Passes every record on unchanged (merge, named branch outputs, repartition sources). */
export function passThrough<K, V>(): ProcessorSupplier<K, V, K, V> {
  return forwarding((record, forward) => forward(record));
}
