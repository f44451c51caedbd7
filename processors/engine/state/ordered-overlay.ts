import btree from "sorted-btree";

// Node's ESM loader hands us module.exports; Vite (vitest) unwraps `default` itself.
const BTree = (btree.default ?? btree) as typeof btree.default;

/** An entry layered over a store: `value` null is a deletion not yet applied below. */
export interface OverlayEntry {
  readonly key: Buffer;
  value: Buffer | null;
}

/**
 * Writes kept in key order above a store (the commit overlay, the record cache). Keyed by
 * the key's latin1 string: one character per byte, so string order is unsigned byte order,
 * and V8 compares strings faster than Buffer.compare crosses into C++. get/set are
 * O(log n); a range walks only the entries inside it, so a scan never costs more because
 * many writes are pending elsewhere in the store.
 */
export class OrderedOverlay<E extends OverlayEntry> {
  private readonly tree = new BTree<string, E>(undefined, compareIds);
  /** Entries stepped over by range scans, deletions included (scan-cost diagnostics). */
  visited = 0;

  get size(): number {
    return this.tree.size;
  }

  get(key: Buffer): E | undefined {
    return this.tree.get(key.toString("latin1"));
  }

  set(entry: E): void {
    this.tree.set(entry.key.toString("latin1"), entry);
  }

  delete(key: Buffer): void {
    this.tree.delete(key.toString("latin1"));
  }

  /** get/set/delete by the key's latin1 string (`overlayId`), when the caller has it. */
  getById(id: string): E | undefined {
    return this.tree.get(id);
  }

  setById(id: string, entry: E): void {
    this.tree.set(id, entry);
  }

  deleteById(id: string): void {
    this.tree.delete(id);
  }

  clear(): void {
    this.tree.clear();
  }

  values(): IterableIterator<E> {
    return this.tree.values();
  }

  /**
   * Entries with from <= key <= to, ascending. Safe while the overlay changes: each step
   * looks up the next key above the last one returned.
   */
  *range(from?: Buffer, to?: Buffer): Generator<E> {
    const high = to?.toString("latin1");
    let pair =
      from === undefined
        ? this.tree.nextHigherPair(undefined)
        : this.tree.getPairOrNextHigher(from.toString("latin1"));
    while (pair !== undefined) {
      if (high !== undefined && pair[0] > high) return;
      this.visited++;
      yield pair[1];
      pair = this.tree.nextHigherPair(pair[0]);
    }
  }
}

/**
 * Orders latin1 ids (byte order). The tree's default comparator checks for numbers,
 * types and valueOf on every comparison first; this is most of a lookup's time.
 */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The overlay's key for a buffer: its bytes as latin1 characters (byte order). */
export function overlayId(key: Buffer): string {
  return key.toString("latin1");
}

/**
 * An ordered overlay's range merged over the store below it: overlay entries win, overlay
 * deletions hide the entry below. Two ordered iterators walked side by side: no copy, no
 * sort, cost proportional to the entries inside the range.
 */
export function* mergeOverlay(
  overlay: Iterator<OverlayEntry>,
  base: Iterator<[Buffer, Buffer]>,
): Generator<[Buffer, Buffer]> {
  let o = overlay.next();
  let b = base.next();
  while (!o.done || !b.done) {
    if (o.done) {
      yield (b as IteratorYieldResult<[Buffer, Buffer]>).value;
      b = base.next();
      continue;
    }
    const entry = o.value;
    const order = b.done ? -1 : Buffer.compare(entry.key, b.value[0]);
    if (order <= 0) {
      if (entry.value !== null) yield [entry.key, entry.value];
      if (order === 0) b = base.next();
      o = overlay.next();
    } else {
      yield (b as IteratorYieldResult<[Buffer, Buffer]>).value;
      b = base.next();
    }
  }
}
