import type { BytesStore } from "../state/api.ts";
import {
  mergeOverlay,
  OrderedOverlay,
  type OverlayEntry,
  overlayId,
} from "../state/ordered-overlay.ts";

/**
 * A task's view of a store during a commit interval: writes go to an overlay; reads see
 * the overlay over the committed base. At commit the overlay becomes the changelog
 * records, and only after Kafka commits is it applied to the base. So the base (and an
 * LMDB file with its checkpoint) never holds state of an aborted transaction.
 *
 * The overlay is ordered (ADR-016): a range scan merges it with the base's range entry by
 * entry, so its cost does not grow with the writes pending elsewhere in the store (an
 * unordered overlay was copied and sorted on every scan: quadratic catch-up).
 */
export class TransactionalBytesStore implements BytesStore {
  private readonly overlay = new OrderedOverlay<OverlayEntry>();
  private baseVisited = 0;

  constructor(readonly base: BytesStore) {}

  get(key: Buffer): Buffer | undefined {
    const pending = this.overlay.get(key);
    if (pending) return pending.value ?? undefined;
    return this.base.get(key);
  }

  /** Takes ownership of the buffers: typed stores hand over freshly serialized ones. */
  put(key: Buffer, value: Buffer | null): void {
    const id = overlayId(key);
    if (value === null && this.base.get(key) === undefined) {
      // Written and deleted within the interval: nothing to tell the changelog, and no
      // deletion left behind for later scans to step over (windows expiring in a backlog).
      this.overlay.deleteById(id);
      return;
    }
    // One descent of the tree: the entry is replaced, not looked up and changed.
    this.overlay.setById(id, { key, value });
  }

  range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]> {
    return mergeOverlay(this.overlay.range(from, to), this.countBase(this.base.range(from, to)));
  }

  size(): number {
    return this.base.size() + this.overlay.size;
  }

  /** Entries stepped over by range scans so far, overlay deletions included. */
  get entriesVisited(): number {
    return this.overlay.visited + this.baseVisited;
  }

  /** The latest write per key since the last commit: the changelog records to send. */
  pending(): Array<{ key: Buffer; value: Buffer | null }> {
    return [...this.overlay.values()];
  }

  hasPending(): boolean {
    return this.overlay.size > 0;
  }

  /** Kafka has committed: the overlay becomes the base. */
  applyPending(): Array<{ key: Buffer; value: Buffer | null }> {
    const applied = this.pending();
    this.overlay.clear();
    return applied;
  }

  /** The transaction was aborted: forget everything since the last commit. */
  discardPending(): void {
    this.overlay.clear();
  }

  close(): void {
    this.base.close();
  }

  private *countBase(entries: Iterable<[Buffer, Buffer]>): Generator<[Buffer, Buffer]> {
    for (const entry of entries) {
      this.baseVisited++;
      yield entry;
    }
  }
}
