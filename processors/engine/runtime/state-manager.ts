import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Fetcher, RecordPosition } from "../../../platform/kafka/index.ts";
import type { TaskId } from "../processor/record.ts";
import { taskIdString } from "../processor/record.ts";
import type { BytesStore, StateStore } from "../state/api.ts";
import { createInMemoryBytesStore } from "../state/in-memory-bytes-store.ts";
import {
  CachingBytesStore,
  newRecordContext,
  type RecordCache,
  type RecordContext,
} from "../state/record-cache.ts";
import type { CollectedRecord } from "../topology/collector.ts";
import { changelogTopicName, type StoreSpec } from "../topology/spec.ts";
import { LmdbBytesStore } from "./lmdb-store.ts";
import { TransactionalBytesStore } from "./transactional-store.ts";

export interface RestoreProgress {
  task: string;
  store: string;
  restored: number;
  /** Records between where restore started and the changelog's end when it started. */
  total: number;
  done: boolean;
}

interface ManagedStore {
  spec: StoreSpec;
  bytes: TransactionalBytesStore;
  /** The record cache above `bytes`, for a cached store when the app has a cache. */
  cache: CachingBytesStore | undefined;
  store: StateStore;
  changelog: string | undefined;
  /** The changelog offset the base store reflects (next offset to read). */
  position: bigint;
}

/**
 * A task's stores: building them over memory or LMDB, restoring them from their
 * changelogs, turning a commit interval's writes into changelog records, and applying
 * those writes once Kafka has committed them.
 */
export class StateManager {
  private readonly stores = new Map<string, ManagedStore>();
  /** The task's record being processed, as its cached stores see it. */
  readonly recordContext: RecordContext = newRecordContext();
  /** The task's record caches in registration order (upstream stores first). */
  readonly caches: CachingBytesStore[] = [];

  constructor(
    private readonly applicationId: string,
    private readonly taskId: TaskId,
    private readonly stateDir: string,
    /** The app's record cache budget; undefined (or 0 bytes) caches nothing. */
    private readonly recordCache?: RecordCache,
  ) {}

  get typedStores(): ReadonlyMap<string, StateStore> {
    return new Map([...this.stores].map(([name, s]) => [name, s.store]));
  }

  register(spec: StoreSpec): void {
    let base: BytesStore;
    if (spec.persistent) {
      base = new LmdbBytesStore(this.storeDir(spec.name));
    } else {
      base = createInMemoryBytesStore();
    }
    const bytes = new TransactionalBytesStore(base);
    const changelog = spec.logged ? changelogTopicName(this.applicationId, spec.name) : undefined;
    const position = base instanceof LmdbBytesStore ? (base.checkpoint() ?? 0n) : 0n;
    const cache =
      spec.cached && this.recordCache && this.recordCache.maxBytes > 0
        ? new CachingBytesStore(spec.name, bytes, this.recordCache, this.recordContext)
        : undefined;
    if (cache) this.caches.push(cache);
    const store = spec.build(cache ?? bytes);
    this.stores.set(spec.name, { spec, bytes, cache, store, changelog, position });
  }

  /**
   * Replays each logged store's changelog partition from where the base store stands
   * (an LMDB checkpoint, or the beginning) to the changelog's committed end.
   */
  async restore(
    fetcher: Fetcher,
    onProgress: (p: RestoreProgress) => void,
    /** Checked between fetches: a stopping app does not wait for a long restore. */
    stopping: () => boolean = () => false,
  ): Promise<void> {
    for (const [name, managed] of this.stores) {
      if (!managed.changelog) continue;
      if (stopping()) return;
      const partition = this.taskId.partition;
      let offset = managed.position;
      let restored = 0;
      let end: bigint | undefined;
      const base = managed.bytes.base;
      for (;;) {
        const [fetched] = await fetcher.fetch([{ topic: managed.changelog, partition, offset }], {
          maxWaitMs: 10,
        });
        if (!fetched) break;
        if (end === undefined) {
          end = fetched.lastStableOffset;
          if (offset > end) {
            // The checkpoint is past the changelog's end (the topic was recreated): start over.
            this.wipe(managed);
            offset = 0n;
            end = undefined;
            continue;
          }
        }
        const changes = fetched.records.map((r) => ({
          key: r.key ?? Buffer.alloc(0),
          value: r.value,
        }));
        if (base instanceof LmdbBytesStore) base.applyBatch(changes, fetched.nextOffset);
        else for (const c of changes) base.put(c.key, c.value);
        restored += changes.length;
        offset = fetched.nextOffset;
        const done = offset >= end;
        onProgress({
          task: taskIdString(this.taskId),
          store: name,
          restored,
          total: Number(end - managed.position),
          done,
        });
        if (done || stopping()) break;
      }
      managed.position = offset;
    }
  }

  /**
   * The interval's writes as changelog records (latest value per key), for the commit.
   * Call after the caches are flushed (TaskGraph.flushCaches): cached writes are not here.
   */
  changelogRecords(): CollectedRecord[] {
    const records: CollectedRecord[] = [];
    for (const managed of this.stores.values()) {
      if (!managed.changelog) continue;
      for (const { key, value } of managed.bytes.pending()) {
        records.push({
          topic: managed.changelog,
          partition: this.taskId.partition,
          key,
          value,
          timestamp: Date.now(),
          headers: new Map(),
        });
      }
    }
    return records;
  }

  /**
   * Kafka committed the interval: make its writes the base, and record (on disk, with
   * the data) how far each changelog now reaches.
   */
  committed(changelogPositions: readonly RecordPosition[]): void {
    const reached = new Map<string, bigint>();
    for (const p of changelogPositions) {
      if (p.partition !== this.taskId.partition) continue;
      const next = p.offset + 1n;
      if ((reached.get(p.topic) ?? -1n) < next) reached.set(p.topic, next);
    }
    for (const managed of this.stores.values()) {
      const changes = managed.bytes.applyPending();
      const next = managed.changelog ? reached.get(managed.changelog) : undefined;
      if (next !== undefined) managed.position = next;
      const base = managed.bytes.base;
      if (base instanceof LmdbBytesStore)
        base.applyBatch(changes, managed.changelog ? managed.position : undefined);
      else for (const c of changes) base.put(c.key, c.value);
    }
  }

  /** The interval was aborted: forget its writes, cached ones included. */
  aborted(): void {
    for (const managed of this.stores.values()) {
      managed.cache?.clear();
      managed.bytes.discardPending();
    }
  }

  close(): void {
    for (const managed of this.stores.values()) {
      managed.cache?.clear();
      managed.bytes.close();
    }
  }

  private storeDir(name: string): string {
    return join(this.stateDir, this.applicationId, taskIdString(this.taskId), name);
  }

  private wipe(managed: ManagedStore): void {
    const base = managed.bytes.base;
    for (const [key] of [...base.range()]) base.put(key, null);
    if (base instanceof LmdbBytesStore) base.clearCheckpoint();
    managed.position = 0n;
  }

  /** Deletes the task's local state (tests; an operator's reset). */
  static deleteLocalState(stateDir: string, applicationId: string): void {
    rmSync(join(stateDir, applicationId), { recursive: true, force: true });
  }
}
