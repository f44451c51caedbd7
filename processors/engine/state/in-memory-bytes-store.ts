import btree from "sorted-btree";
import type { BytesStore } from "./api.ts";

// Node's ESM loader hands us module.exports; Vite (vitest) unwraps `default` itself.
const BTree = (btree.default ?? btree) as typeof btree.default;

/**
 * Ordered bytes to bytes in memory (a B+ tree compared by unsigned bytes). Keys and
 * values are copied on put, so callers may reuse their buffers. Iteration is safe while
 * the store changes: each step looks up the next key above the last one returned.
 */
export class InMemoryBytesStore implements BytesStore {
  private readonly tree = new BTree<Buffer, Buffer>(undefined, Buffer.compare);

  get(key: Buffer): Buffer | undefined {
    return this.tree.get(key);
  }

  put(key: Buffer, value: Buffer | null): void {
    if (value === null) this.tree.delete(key);
    else this.tree.set(Buffer.from(key), Buffer.from(value));
  }

  *range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]> {
    let entry =
      from === undefined
        ? this.tree.nextHigherPair(undefined)
        : this.tree.getPairOrNextHigher(from);
    while (entry !== undefined) {
      if (to !== undefined && Buffer.compare(entry[0], to) > 0) return;
      yield [entry[0], entry[1]];
      entry = this.tree.nextHigherPair(entry[0]);
    }
  }

  size(): number {
    return this.tree.size;
  }

  close(): void {
    this.tree.clear();
  }
}

export function createInMemoryBytesStore(): BytesStore {
  return new InMemoryBytesStore();
}
