import type { ProcessorContext } from "../../../processor/api.ts";
import type { StateStore } from "../../../state/api.ts";
import type { RecordContext } from "../../../state/record-cache.ts";
import { type Change, change } from "../change.ts";

/**
 * Makes a cached aggregation store forward its flushed updates as Changes (Kafka
 * Streams' TimestampedCacheFlushListener): the old value is the one as of the previous
 * flush, the value downstream last saw, so a subtractor downstream takes out what it
 * was given. False when the store is not cached: the processor forwards every update.
 */
export function forwardOnFlush<K, V>(
  store: StateStore,
  context: ProcessorContext<K, Change<V>>,
): boolean {
  const cached = store as {
    setFlushListener?: (
      listener: (key: K, newValue: V | null, oldValue: V | null, ctx: RecordContext) => void,
    ) => boolean;
  };
  if (typeof cached.setFlushListener !== "function") return false;
  return cached.setFlushListener((key, newValue, oldValue, ctx) =>
    context.forward({
      key,
      value: change(newValue, oldValue),
      timestamp: ctx.timestamp,
      headers: ctx.headers,
    }),
  );
}
