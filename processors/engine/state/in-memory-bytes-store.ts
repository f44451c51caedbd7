import btree from "sorted-btree";
import type { BytesStore } from "./api.ts";
import { compareIds } from "./ordered-overlay.ts";

// Node's ESM loader hands us module.exports; Vite (vitest) unwraps `default` itself.
const BTree = (btree.default ?? btree) as typeof btree.default;

/**
 * Ordered bytes to bytes in memory: a B+ tree keyed by the key's latin1 string (one
 * character per byte, so string order is unsigned byte order, and V8 compares strings
 * several times faster than Buffer.compare). Keys and values are copied on put, so
 * callers may reuse their buffers. Iteration is safe while the store changes: each step
 * looks up the next key above the last one returned.
 */
export class InMemoryBytesStore implements BytesStore {
  private readonly tree = new BTree<string, [Buffer, Buffer]>(undefined, compareIds);

  get(key: Buffer): Buffer | undefined {
    return this.tree.get(key.toString("latin1"))?.[1];
  }

  put(key: Buffer, value: Buffer | null): void {
    const id = key.toString("latin1");
    if (value === null) this.tree.delete(id);
    else this.tree.set(id, [Buffer.from(key), Buffer.from(value)]);
  }

  *range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]> {
    const high = to?.toString("latin1");
    let pair =
      from === undefined
        ? this.tree.nextHigherPair(undefined)
        : this.tree.getPairOrNextHigher(from.toString("latin1"));
    while (pair !== undefined) {
      if (high !== undefined && pair[0] > high) return;
      yield pair[1];
      pair = this.tree.nextHigherPair(pair[0]);
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
