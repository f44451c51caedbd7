import { type DropReason, droppedRecordsSensor } from "../dsl/dropped-records.ts";
import { TransactionalBytesStore } from "../runtime/transactional-store.ts";
import type { Serde } from "../serde/api.ts";
import type {
  BytesStore,
  KeyValueStore,
  SessionStore,
  StateStore,
  WindowStore,
} from "../state/api.ts";
import { createInMemoryBytesStore } from "../state/in-memory-bytes-store.ts";
import {
  CachingBytesStore,
  newRecordContext,
  RecordCache,
  type RecordContext,
} from "../state/record-cache.ts";
import type { CollectedRecord } from "../topology/collector.ts";
import {
  type GlobalTableSpec,
  internalTopicName,
  type StoreKind,
  type Topology,
} from "../topology/spec.ts";
import { TaskGraph } from "../topology/task-graph.ts";
import {
  type DriverPort,
  type InputTopicOptions,
  TestInputTopic,
  TestOutputTopic,
} from "./test-topics.ts";

export interface TestDriverOptions {
  /** Prefix of internal topics; also scopes the dropped-records counts. Default: unique per driver. */
  applicationId?: string;
  /** Initial wall-clock time, ms (default 0). */
  wallClockMs?: number;
  /**
   * The record cache of the DSL's aggregations, as the runtime's `cacheMaxBytes`. Default
   * 0: every update is forwarded at once, so outputs follow each piped record. With a
   * cache, updates go downstream on `commit()` (or when the cache evicts).
   */
  cacheMaxBytes?: number;
}

let drivers = 0;

/**
 * Runs a Topology without a broker: one task (partition 0) per sub-topology, each a
 * TaskGraph (the same code the runtime runs) over in-memory stores. Records written to
 * a topic the topology reads (internal repartition/subscription/response topics, or a
 * user topic it also consumes) are fed back in FIFO order after the current record,
 * until nothing is left; so a pipeInput returns with every consequence processed.
 *
 *   const driver = new TopologyTestDriver(builder.build());
 *   driver.createInputTopic("plays", Serdes.string(), playSerde).pipeInput("u1", play, 1_000);
 *   driver.createOutputTopic("counts", Serdes.string(), Serdes.long()).readKeyValuesToList();
 */
export class TopologyTestDriver {
  readonly applicationId: string;
  private readonly tasks: TaskGraph[] = [];
  private readonly consumers = new Map<string, TaskGraph[]>();
  private readonly globals = new Map<
    string,
    { spec: GlobalTableSpec; store: KeyValueStore<unknown, unknown> }
  >();
  private readonly stores = new Map<string, { kind: StoreKind; store: StateStore }>();
  private readonly bytesStores: BytesStore[] = [];
  private readonly transactional = new Map<string, TransactionalBytesStore>();
  private readonly caches = new Map<string, CachingBytesStore>();
  private readonly recordCache: RecordCache;
  private readonly internal: Set<string>;
  private readonly outputs = new Map<string, CollectedRecord[]>();
  private readonly offsets = new Map<string, bigint>();
  private readonly pending: CollectedRecord[] = [];
  private wallClock: number;
  private draining = false;
  private readonly port: DriverPort = {
    pipe: (topic, key, value, timestamp, headers) =>
      this.pipe(topic, key, value, timestamp, headers),
    written: (topic) => this.outputs.get(topic) ?? [],
    resolveTopic: (name) => this.resolveTopic(name),
  };

  constructor(
    readonly topology: Topology,
    options: TestDriverOptions = {},
  ) {
    drivers += 1;
    this.applicationId = options.applicationId ?? `test-driver-${drivers}`;
    this.wallClock = options.wallClockMs ?? 0;
    this.recordCache = new RecordCache(options.cacheMaxBytes ?? 0);
    this.internal = new Set(topology.internalTopics.map((t) => t.name));
    droppedRecordsSensor.reset(this.applicationId);

    const globalStores = new Map<string, StateStore>();
    for (const spec of topology.globalTables) {
      const store = spec.store.build(this.newBytesStore()) as KeyValueStore<unknown, unknown>;
      globalStores.set(spec.store.name, store);
      this.stores.set(spec.store.name, { kind: spec.store.kind, store });
      this.globals.set(spec.topic, { spec, store });
    }
    for (const sub of topology.subtopologies) {
      const stores = new Map(globalStores);
      const recordContext = newRecordContext();
      const caches: CachingBytesStore[] = [];
      for (const spec of sub.stores) {
        const bytes = this.taskBytesStore(spec.name, spec.cached === true, recordContext);
        if (bytes instanceof CachingBytesStore) caches.push(bytes);
        const store = spec.build(bytes);
        stores.set(spec.name, store);
        this.stores.set(spec.name, { kind: spec.kind, store });
      }
      const task = new TaskGraph(sub, {
        applicationId: this.applicationId,
        taskId: { subtopology: sub.id, partition: 0 },
        stores,
        collector: { send: (record) => this.collect(record) },
        resolveTopic: (name) => this.resolveTopic(name),
        partitionCount: () => 1,
        systemTime: () => this.wallClock,
        requestCommit: () => {},
        recordContext,
        caches,
      });
      task.init();
      this.tasks.push(task);
      for (const topic of sub.sourceTopics) {
        const resolved = this.resolveTopic(topic);
        this.consumers.set(resolved, [...(this.consumers.get(resolved) ?? []), task]);
      }
    }
  }

  createInputTopic<K, V>(
    topic: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
    options: InputTopicOptions = {},
  ): TestInputTopic<K, V> {
    const resolved = this.resolveTopic(topic);
    if (!this.consumers.has(resolved) && !this.globals.has(resolved)) {
      throw new Error(`the topology does not read topic ${topic}`);
    }
    return new TestInputTopic(this.port, topic, keySerde, valueSerde, this.wallClock, options);
  }

  createOutputTopic<K, V>(
    topic: string,
    keySerde: Serde<K>,
    valueSerde: Serde<V>,
  ): TestOutputTopic<K, V> {
    return new TestOutputTopic(this.port, topic, keySerde, valueSerde);
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    return this.store(name, "key-value") as KeyValueStore<K, V>;
  }

  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    return this.store(name, "window") as WindowStore<K, V>;
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    return this.store(name, "session") as SessionStore<K, V>;
  }

  /** Moves wall-clock time and runs the wall-clock punctuators that are due. */
  advanceWallClockTime(ms: number): void {
    this.wallClock += ms;
    for (const task of this.tasks) {
      task.punctuateWallClock(this.wallClock);
      this.drain();
    }
  }

  /**
   * What the runtime does at a commit, without Kafka: the record caches' updates go
   * downstream (and their consequences are processed), then every store's pending writes
   * become its committed base.
   */
  commit(): void {
    for (const task of this.tasks) {
      task.flushCaches();
      this.drain();
    }
    for (const bytes of this.transactional.values()) {
      for (const { key, value } of bytes.applyPending()) bytes.base.put(key, value);
    }
  }

  /**
   * Entries range scans of a store have stepped over so far (cache, pending writes and
   * committed base; deletions included): what a scan costs, for tests that keep it bounded.
   */
  entriesVisited(storeName: string): number {
    const bytes = this.transactional.get(storeName);
    if (!bytes) throw new Error(`no task store named ${storeName}`);
    return bytes.entriesVisited + (this.caches.get(storeName)?.entriesVisited ?? 0);
  }

  /** Records dropped on purpose (late, keyless), optionally by node and reason. */
  droppedRecords(filter: { node?: string; reason?: DropReason } = {}): number {
    return droppedRecordsSensor.count(this.applicationId, filter);
  }

  /** Every record written to a topic so far (resolved name), read or not. */
  producedRecords(topic: string): readonly CollectedRecord[] {
    return this.outputs.get(this.resolveTopic(topic)) ?? [];
  }

  close(): void {
    for (const task of this.tasks) task.close();
    for (const bytes of this.bytesStores) bytes.close();
    droppedRecordsSensor.reset(this.applicationId);
  }

  private pipe(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: ReadonlyMap<string, Buffer>,
  ): void {
    this.deliver({ topic, partition: 0, key, value, timestamp, headers });
    this.drain();
  }

  /** Feeds records written to topics the topology reads, oldest first, until quiet. */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) this.deliver(next);
    } finally {
      this.draining = false;
    }
  }

  private deliver(record: CollectedRecord): void {
    const offset = this.offsets.get(record.topic) ?? 0n;
    this.offsets.set(record.topic, offset + 1n);
    const global = this.globals.get(record.topic);
    if (global) {
      const { spec, store } = global;
      const key = spec.keySerde.deserialize(record.key, record.topic);
      const value = spec.valueSerde.deserialize(record.value, record.topic);
      if (value === null) store.delete(key);
      else store.put(key, value);
    }
    const metadata = { topic: record.topic, partition: 0, offset };
    for (const task of this.consumers.get(record.topic) ?? []) {
      // The driver is synchronous: a serde that must fetch first (Avro, unknown schema
      // id) has to be primed before the test pipes records through it.
      if (task.prepare(record.topic, record.key, record.value) !== undefined) {
        throw new Error(
          `a serde of ${record.topic} needs asynchronous preparation; prime it first`,
        );
      }
      task.process(
        record.topic,
        record.key,
        record.value,
        record.timestamp,
        record.headers,
        metadata,
      );
    }
  }

  private collect(record: CollectedRecord): void {
    const list = this.outputs.get(record.topic) ?? [];
    list.push(record);
    this.outputs.set(record.topic, list);
    if (this.consumers.has(record.topic) || this.globals.has(record.topic))
      this.pending.push(record);
  }

  private resolveTopic(name: string): string {
    return this.internal.has(name) ? internalTopicName(this.applicationId, name) : name;
  }

  private store(name: string, kind: StoreKind): StateStore {
    const found = this.stores.get(name);
    if (!found)
      throw new Error(`no store named ${name}; stores: ${[...this.stores.keys()].join(", ")}`);
    if (found.kind !== kind) throw new Error(`store ${name} is a ${found.kind} store, not ${kind}`);
    return found.store;
  }

  /**
   * A task store as the runtime builds it: committed base, pending writes above it
   * (TransactionalBytesStore) and, for a cached store when the driver has a cache, the
   * record cache on top.
   */
  private taskBytesStore(name: string, cached: boolean, context: RecordContext): BytesStore {
    const bytes = new TransactionalBytesStore(this.newBytesStore());
    this.transactional.set(name, bytes);
    if (!cached || this.recordCache.maxBytes === 0) return bytes;
    const cache = new CachingBytesStore(name, bytes, this.recordCache, context);
    this.caches.set(name, cache);
    return cache;
  }

  private newBytesStore(): BytesStore {
    const bytes = createInMemoryBytesStore();
    this.bytesStores.push(bytes);
    return bytes;
  }
}
