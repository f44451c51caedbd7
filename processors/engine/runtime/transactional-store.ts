import type { BytesStore } from "../state/api.ts";

/**
 * A task's view of a store during a commit interval: writes go to an overlay; reads see
 * the overlay over the committed base. At commit the overlay becomes the changelog
 * records, and only after Kafka commits is it applied to the base. So the base (and an
 * LMDB file with its checkpoint) never holds state of an aborted transaction.
 */
export class TransactionalBytesStore implements BytesStore {
  private overlay = new Map<string, { key: Buffer; value: Buffer | null }>();

  constructor(readonly base: BytesStore) {}

  get(key: Buffer): Buffer | undefined {
    const pending = this.overlay.get(key.toString("latin1"));
    if (pending) return pending.value ?? undefined;
    return this.base.get(key);
  }

  /** Takes ownership of the buffers: typed stores hand over freshly serialized ones. */
  put(key: Buffer, value: Buffer | null): void {
    this.overlay.set(key.toString("latin1"), { key, value });
  }

  *range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]> {
    const pending = [...this.overlay.values()]
      .filter(
        (e) =>
          (!from || Buffer.compare(e.key, from) >= 0) && (!to || Buffer.compare(e.key, to) <= 0),
      )
      .sort((a, b) => Buffer.compare(a.key, b.key));
    let i = 0;
    for (const [key, value] of this.base.range(from, to)) {
      while (i < pending.length && Buffer.compare((pending[i] as { key: Buffer }).key, key) < 0) {
        const p = pending[i++] as { key: Buffer; value: Buffer | null };
        if (p.value) yield [p.key, p.value];
      }
      const same =
        i < pending.length && Buffer.compare((pending[i] as { key: Buffer }).key, key) === 0;
      if (same) {
        const p = pending[i++] as { key: Buffer; value: Buffer | null };
        if (p.value) yield [p.key, p.value];
      } else {
        yield [key, value];
      }
    }
    for (; i < pending.length; i++) {
      const p = pending[i] as { key: Buffer; value: Buffer | null };
      if (p.value) yield [p.key, p.value];
    }
  }

  size(): number {
    return this.base.size() + this.overlay.size;
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
    this.overlay = new Map();
    return applied;
  }

  /** The transaction was aborted: forget everything since the last commit. */
  discardPending(): void {
    this.overlay = new Map();
  }

  close(): void {
    this.base.close();
  }
}
