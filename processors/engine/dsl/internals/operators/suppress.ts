import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { emptyHeaders } from "../../../processor/record.ts";
import type { KeyValueStore, Windowed } from "../../../state/api.ts";
import { type Change, change } from "../change.ts";
import type { Timestamped } from "../internal-serdes.ts";

/**
 * suppress(untilWindowCloses()): keeps only the latest value per window in a store
 * ordered by window end, and emits a window's final value once stream time reaches its
 * close time; windows that will never change again. A tombstone for a buffered window
 * (a merged-away session) just forgets it: nothing was emitted for it yet.
 *
 * Stream time here is the highest timestamp this processor has received, as in Kafka
 * Streams: with a record cache upstream, updates arrive in the order they were written,
 * so a window is never emitted while a newer update of it still waits in the cache.
 *
 * Cost per record stays bounded whatever the buffer holds (ADR-016): the buffer is only
 * walked when stream time has reached the earliest close time of a buffered window, and
 * the walk starts after the last window emitted, so windows emitted (deleted) earlier in
 * the commit interval are not walked again.
 */
export function suppressUntilWindowCloses<K, V>(
  storeName: string,
  /** The stream time at which a window is final; grows with the window's end. */
  closesAt: (window: Windowed<K>) => number,
): ProcessorSupplier<Windowed<K>, Change<V>, Windowed<K>, Change<V>> {
  return () => {
    let context: ProcessorContext<Windowed<K>, Change<V>>;
    let buffer: KeyValueStore<Windowed<K>, Timestamped<V>>;
    let streamTime = -1;
    /** No buffered window closes before this; -Infinity: unknown (after a start). */
    let earliestClose = Number.NEGATIVE_INFINITY;
    /** The last window emitted: every window still buffered sorts after it. */
    let cursor: Windowed<K> | undefined;

    const emitClosed = (): void => {
      if (streamTime < earliestClose) return;
      const closed: Array<[Windowed<K>, Timestamped<V>]> = [];
      let next = Number.POSITIVE_INFINITY;
      for (const entry of buffer.range(cursor ?? null, null)) {
        // Ordered by end: the first open window means every later one is open too.
        const closes = closesAt(entry[0]);
        if (streamTime < closes) {
          next = closes;
          break;
        }
        closed.push(entry);
      }
      earliestClose = next;
      for (const [window, { value, timestamp }] of closed) {
        buffer.delete(window);
        cursor = window;
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
        if (record.timestamp > streamTime) streamTime = record.timestamp;
        const window = record.key;
        const { newValue } = record.value;
        if (newValue === null) buffer.delete(window);
        else {
          buffer.put(window, { value: newValue, timestamp: record.timestamp });
          earliestClose = Math.min(earliestClose, closesAt(window));
          // A window at or before the cursor (same end and start, another key) would be
          // skipped by a walk from the cursor: walk from the start next time.
          if (cursor && !sortsAfter(window, cursor)) cursor = undefined;
        }
        emitClosed();
      },
    };
  };
}

/** True when `a` certainly sorts after `b` in the end-first buffer order. */
function sortsAfter<K>(a: Windowed<K>, b: Windowed<K>): boolean {
  return a.end > b.end || (a.end === b.end && a.start > b.start);
}
