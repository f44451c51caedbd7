import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { emptyHeaders } from "../../../processor/record.ts";
import type { KeyValueStore, Windowed } from "../../../state/api.ts";
import { type Change, change } from "../change.ts";
import type { Timestamped } from "../internal-serdes.ts";

/**
 * suppress(untilWindowCloses()): keeps only the latest value per window in a store
 * ordered by window end, and emits a window's final value once stream time reaches
 * end + grace; windows that will never change again. A tombstone for a buffered window
 * (a merged-away session) just forgets it: nothing was emitted for it yet.
 */
export function suppressUntilWindowCloses<K, V>(
  storeName: string,
  /** True once no record can change the window any more (per window kind). */
  isClosed: (window: Windowed<K>, streamTime: number) => boolean,
): ProcessorSupplier<Windowed<K>, Change<V>, Windowed<K>, Change<V>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<V>>;
    let buffer: KeyValueStore<Windowed<K>, Timestamped<V>>;
    const emitClosed = (): void => {
      const streamTime = context.currentStreamTime();
      const closed: Array<[Windowed<K>, Timestamped<V>]> = [];
      for (const entry of buffer.all()) {
        // Ordered by end: the first open window means every later one is open too.
        if (!isClosed(entry[0], streamTime)) break;
        closed.push(entry);
      }
      for (const [window, { value, timestamp }] of closed) {
        buffer.delete(window);
        context.forward({
          key: window,
          value: change(value, null),
          timestamp,
          headers: emptyHeaders,
        });
      }
    };
    return {
      init(ctx) {
        context = ctx;
        buffer = ctx.getStateStore<KeyValueStore<Windowed<K>, Timestamped<V>>>(storeName);
      },
      process(record) {
        const { newValue } = record.value;
        if (newValue === null) buffer.delete(record.key);
        else buffer.put(record.key, { value: newValue, timestamp: record.timestamp });
        emitClosed();
      },
    };
  };
}
