import type { ProcessorContext, ProcessorSupplier } from "../../../processor/api.ts";
import { withValue } from "../../../processor/record.ts";
import { type Change, change } from "../change.ts";
import type { ValueGetter } from "../value-getter.ts";

export type TableJoinMode = "inner" | "left" | "outer";

/**
 * The joined value for one key, or null when the mode says there is no row: inner needs
 * both sides, left needs the left side, outer needs either.
 */
export function joinRow<VL, VR, VO>(
  mode: TableJoinMode,
  joiner: (left: VL | null, right: VR | null) => VO,
): (left: VL | null, right: VR | null) => VO | null {
  return (left, right) => {
    if (left === null && right === null) return null;
    if (mode === "inner" && (left === null || right === null)) return null;
    if (mode === "left" && left === null) return null;
    return joiner(left, right);
  };
}

/**
 * One side of a table-table join: an update on this side looks up the other side's
 * current value and forwards the join's new and old row, so a delete on either side
 * becomes a tombstone downstream. Two of these (one per side) feed one merge node.
 */
export function tableJoinSide<K, VThis, VOther, VO>(
  other: ValueGetter<K, VOther>,
  row: (mine: VThis | null, theirs: VOther | null) => VO | null,
): ProcessorSupplier<K, Change<VThis>, K, Change<VO>> {
  return () => {
    let context: ProcessorContext<K, Change<VO>>;
    let get: (key: K) => VOther | null;
    return {
      init(ctx) {
        context = ctx;
        get = other.open(ctx as ProcessorContext<unknown, unknown>);
      },
      process(record) {
        const theirs = get(record.key);
        const next = row(record.value.newValue, theirs);
        const previous = row(record.value.oldValue, theirs);
        if (next === null && previous === null) return;
        context.forward(withValue(record, change(next, previous)));
      },
    };
  };
}
