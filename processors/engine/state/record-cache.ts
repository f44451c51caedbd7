import type { BytesStore } from "./api.ts";
import { mergeOverlay, OrderedOverlay, type OverlayEntry, overlayId } from "./ordered-overlay.ts";

/**
 * The record being processed, as the stores see it: a cached write keeps the timestamp
 * and headers of the record that made it, and forwards with them when it is flushed
 * (Kafka Streams' ProcessorRecordContext). The task graph updates it as records move.
 */
export interface RecordContext {
  timestamp: number;
  headers: ReadonlyMap<string, Buffer>;
}

export function newRecordContext(): RecordContext {
  return { timestamp: -1, headers: new Map() };
}

/** A flushed write: the new value and the value below it as of the previous flush. */
export type BytesFlushListener = (
  key: Buffer,
  newValue: Buffer | null,
  oldValue: Buffer | null,
  context: RecordContext,
) => void;

/**
 * The memory budget shared by every cached store of an application instance (Kafka
 * Streams' `statestore.cache.max.bytes`). A store that writes past it evicts its own
 * least recently written entries, as Kafka Streams' ThreadCache does.
 */
export class RecordCache {
  usedBytes = 0;
  constructor(readonly maxBytes: number) {}
}

/** Key, value and timestamp bytes plus the entry's bookkeeping, roughly. */
const ENTRY_OVERHEAD = 80;

interface CacheEntry extends OverlayEntry {
  readonly id: string;
  timestamp: number;
  headers: ReadonlyMap<string, Buffer>;
  bytes: number;
  older: CacheEntry | undefined;
  newer: CacheEntry | undefined;
}

/**
 * A write-behind cache over a task's store, for the DSL's table aggregations: updates of
 * one key between two commits are folded into one, and only at a flush (the commit
 * boundary, or an eviction when the budget is full) does the latest value reach the store
 * below (hence its changelog) and the listener (hence downstream). Reads and ranges see
 * the cache over the store. Without a listener nothing would be forwarded, so a store
 * whose processor forwards by itself must not be cached.
 */
export class CachingBytesStore implements BytesStore {
  private readonly entries = new OrderedOverlay<CacheEntry>();
  private oldest: CacheEntry | undefined;
  private newest: CacheEntry | undefined;
  private listener: BytesFlushListener | undefined;
  private readonly flushContext = newRecordContext();

  constructor(
    readonly name: string,
    readonly below: BytesStore,
    private readonly budget: RecordCache,
    private readonly context: RecordContext,
  ) {}

  setFlushListener(listener: BytesFlushListener): void {
    this.listener = listener;
  }

  /** True while some write has not reached the store below. */
  get dirty(): boolean {
    return this.entries.size > 0;
  }

  get(key: Buffer): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry) return entry.value ?? undefined;
    return this.below.get(key);
  }

  put(key: Buffer, value: Buffer | null): void {
    const id = overlayId(key);
    let entry = this.entries.getById(id);
    const bytes = key.length + (value?.length ?? 0) + ENTRY_OVERHEAD;
    if (entry) {
      this.unlink(entry);
      this.budget.usedBytes += bytes - entry.bytes;
      entry.value = value;
      entry.bytes = bytes;
      entry.timestamp = this.context.timestamp;
      entry.headers = this.context.headers;
    } else {
      entry = {
        id,
        key,
        value,
        timestamp: this.context.timestamp,
        headers: this.context.headers,
        bytes,
        older: undefined,
        newer: undefined,
      };
      this.entries.setById(id, entry);
      this.budget.usedBytes += bytes;
    }
    this.append(entry);
    while (this.budget.usedBytes > this.budget.maxBytes && this.oldest) {
      this.flushEntry(this.oldest);
    }
  }

  range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]> {
    return mergeOverlay(
      this.entries.range(from, to),
      this.below.range(from, to)[Symbol.iterator](),
    );
  }

  size(): number {
    return this.below.size() + this.entries.size;
  }

  /** Entries stepped over by range scans of the cache itself. */
  get entriesVisited(): number {
    return this.entries.visited;
  }

  /**
   * Writes every cached entry below and forwards it, oldest write first. An entry leaves
   * the cache before it is forwarded: if a listener throws, the entries after it stay
   * cached and a later flush sends them.
   */
  flush(): void {
    while (this.oldest) this.flushEntry(this.oldest);
  }

  /** The interval was aborted: forget the cached writes. */
  clear(): void {
    for (const entry of this.entries.values()) this.budget.usedBytes -= entry.bytes;
    this.entries.clear();
    this.oldest = undefined;
    this.newest = undefined;
  }

  close(): void {
    this.clear();
    this.below.close();
  }

  private flushEntry(entry: CacheEntry): void {
    this.unlink(entry);
    this.entries.deleteById(entry.id);
    this.budget.usedBytes -= entry.bytes;
    const old = this.below.get(entry.key) ?? null;
    if (old === null && entry.value === null) return;
    this.below.put(entry.key, entry.value);
    if (!this.listener) return;
    this.flushContext.timestamp = entry.timestamp;
    this.flushContext.headers = entry.headers;
    this.listener(entry.key, entry.value, old, this.flushContext);
  }

  private append(entry: CacheEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: CacheEntry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}

/** Lets a typed store flush its cache before dropping expired entries (retention). */
export function flushIfCached(bytes: BytesStore): void {
  if (bytes instanceof CachingBytesStore) bytes.flush();
}
