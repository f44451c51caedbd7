import { setTimeout as sleep, setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  brokerErrorNames,
  createAdmin,
  createFetcher,
  createGroupMember,
  createProducer,
  type Fetcher,
  type FetchPosition,
  type Generation,
  type GroupMember,
  type InRecord,
  isFenced,
  type KafkaAdmin,
  type KafkaProducer,
  type OutRecord,
  type ProducerOptions,
  partitionFor,
  partitionKey,
  type RecordPosition,
  type TopicPartition,
} from "../../../platform/kafka/index.ts";
import { processLog } from "../../../platform/telemetry/log.ts";
import {
  endSpan,
  type Span,
  SpanKind,
  startSpan,
  traceIdOf,
  traceparentOf,
  tracingEnabled,
} from "../../../platform/telemetry/tracing.ts";
import { droppedRecordsSensor } from "../dsl/dropped-records.ts";
import type { TaskId } from "../processor/record.ts";
import { taskIdString } from "../processor/record.ts";
import type { KeyValueStore, StateStore } from "../state/api.ts";
import { createInMemoryBytesStore } from "../state/in-memory-bytes-store.ts";
import { RecordCache } from "../state/record-cache.ts";
import type { CollectedRecord } from "../topology/collector.ts";
import { type ErrorStage, RecordError } from "../topology/errors.ts";
import {
  changelogTopicName,
  internalTopicName,
  type StoreSpec,
  type Topology,
} from "../topology/spec.ts";
import type { TaskEnvironment } from "../topology/task-graph.ts";
import { taskAssignor } from "./assignor.ts";
import {
  type ErrorAction,
  type StreamsConfig,
  type StreamsConfigInput,
  streamsConfig,
} from "./config.ts";
import { StreamsMetrics } from "./metrics.ts";
import { assignedTasks, type ReceivedAssignment, tasksOwnedThroughout } from "./ownership.ts";
import { type RestoreProgress, StateManager } from "./state-manager.ts";
import { StreamTask } from "./task.ts";

export type AppState = "created" | "starting" | "rebalancing" | "running" | "stopped" | "error";

interface GlobalTable {
  topic: string;
  store: StateStore;
  bytes: ReturnType<typeof createInMemoryBytesStore>;
  positions: Map<string, { tp: TopicPartition; offset: bigint }>;
  keySerde: { deserialize(b: Buffer | null, t: string): unknown };
}

const DAY_MS = 86_400_000;
const MAX_FAILED_COMMITS = 10;
/** A commit span links at most this many traces: a catch-up's commit holds thousands. */
const MAX_COMMIT_LINKS = 128;
/** The W3C header a traced record carries (schemas/header-names.ts spells it the same). */
const traceparentHeader = "traceparent";
/** Records processed between two looks at the clock (commit due, time to yield, stop). */
const CHECK_EVERY = 64;

/** The error and what the broker said inside it (a client error wraps several). */
function describeFailure(error: unknown): string {
  const names = brokerErrorNames(error);
  const inner = (error as { errors?: Error[] }).errors?.map((e) => e.message) ?? [];
  const parts = [(error as Error).message, ...inner];
  if (names.length > 0) parts.push(`broker: ${names.join(", ")}`);
  return parts.join("; ");
}

/**
 * Runs a Topology against Kafka: one consumer-group member per instance, one task per
 * partition of each sub-topology, state in changelogged stores, and one object that owns
 * the commit boundary (outputs, changelogs and input offsets together).
 *
 *   const app = new StreamsApp(builder.build(), { applicationId: "plays", brokers });
 *   await app.start();
 *   app.keyValueStore<string, number>("plays-per-track").get(trackId);
 */
interface TaskCounters {
  inc(n: number): void;
  seconds: { inc(n: number): void };
  e2e: { observe(seconds: number): void };
}

export class StreamsApp {
  readonly config: StreamsConfig;
  readonly metrics = new StreamsMetrics();
  private appState: AppState = "created";
  private failure: Error | undefined;
  private readonly listeners: Array<(state: AppState, error?: Error) => void> = [];
  private admin!: KafkaAdmin;
  private producer!: KafkaProducer;
  private fetcher!: Fetcher;
  private member!: GroupMember;
  private readonly layout = new Map<number, string[]>();
  private readonly partitionCounts = new Map<string, number>();
  private readonly tasks = new Map<string, StreamTask>();
  private readonly tasksByPartition = new Map<string, StreamTask>();
  private readonly globals = new Map<string, GlobalTable>();
  private collected: CollectedRecord[] = [];
  /** Assignments the member received that the loop has not acted on yet, oldest first. */
  private readonly received: ReceivedAssignment[] = [];
  /** The assignment the tasks are built for: commits carry its generation. */
  private handled: ReceivedAssignment | undefined;
  private commitRequested = false;
  private failedCommits = 0;
  private lastCommit = Date.now();
  private loop: Promise<void> | undefined;
  private running = false;
  private readonly internal = new Set<string>();
  private restoreListeners: Array<(p: RestoreProgress) => void> = [];
  private readonly recordCache: RecordCache;
  /** Repartition topics (resolved names): their consumed records are purged. */
  private readonly repartitionTopics = new Set<string>();
  /** Committed offsets of repartition partitions not purged yet. */
  private readonly purgeable = new Map<string, TopicPartition & { offset: bigint }>();
  private lastPurge = Date.now();
  private purging: Promise<void> | undefined;
  /** stop() came in the middle of an assignment: nothing is in a state to commit. */
  private abandoned = false;

  constructor(
    readonly topology: Topology,
    config: StreamsConfigInput,
    /** Makes the app's producer (Kafka Streams' KafkaClientSupplier): tests wrap the real one. */
    private readonly producerSupplier: (options: ProducerOptions) => KafkaProducer = createProducer,
  ) {
    this.config = streamsConfig(config);
    this.recordCache = new RecordCache(this.config.cacheMaxBytes);
    for (const t of topology.internalTopics) {
      this.internal.add(t.name);
      if (t.kind === "repartition") {
        this.repartitionTopics.add(internalTopicName(this.config.applicationId, t.name));
      }
    }
  }

  get state(): AppState {
    return this.appState;
  }

  /** Why the application stopped, when it stopped on an error. */
  get error(): Error | undefined {
    return this.failure;
  }

  onStateChange(listener: (state: AppState, error?: Error) => void): void {
    this.listeners.push(listener);
  }

  onRestore(listener: (progress: RestoreProgress) => void): void {
    this.restoreListeners.push(listener);
  }

  /** The tasks this instance runs now. */
  localTasks(): TaskId[] {
    return [...this.tasks.values()].map((t) => t.id);
  }

  /**
   * Creates internal topics, joins the group and resolves once the first assignment's
   * tasks are restored and processing has begun.
   */
  async start(): Promise<void> {
    if (this.appState !== "created")
      throw new Error(`cannot start an app in state ${this.appState}`);
    this.setState("starting");
    const { applicationId, brokers } = this.config;
    this.admin = createAdmin({ brokers, clientId: `${applicationId}-admin` });
    this.fetcher = createFetcher({
      brokers,
      clientId: `${applicationId}-${this.config.instanceId}`,
    });
    this.producer = this.producerSupplier({
      brokers,
      clientId: `${applicationId}-${this.config.instanceId}`,
      ...(this.config.processingGuarantee === "exactly_once"
        ? { transactionalId: `${applicationId}-${this.config.instanceId}` }
        : {}),
    });
    await this.prepareTopics();
    if (this.config.processingGuarantee === "exactly_once") {
      // Before reading committed offsets: a crashed predecessor's open transaction must be
      // aborted now, not when it times out, or the stable offset fetch waits for it.
      await this.producer.initTransactions();
    }
    await this.startGlobals();
    const sources = [...new Set([...this.layout.values()].flat())];
    this.member = createGroupMember({
      brokers,
      clientId: `${applicationId}|${this.config.endpoint ?? ""}|${this.config.instanceId}`,
      groupId: applicationId,
      topics: sources,
      assignor: taskAssignor(this.layout),
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      // The instance id is already stable across restarts (the transactional id): as the
      // static member id, a replacement after a crash takes over without a rebalance.
      groupInstanceId: this.config.instanceId,
    });
    this.member.onAssignment((partitions, generation) => {
      this.received.push({ partitions, generation });
    });
    this.member.onRebalanceStarted(() => {
      if (this.appState === "running") this.setState("rebalancing");
    });
    await this.member.join();
    this.running = true;
    // The first assignment is handled before start() returns, so callers can query state.
    await this.handleAssignment();
    this.setState("running");
    this.loop = this.runLoop();
  }

  /**
   * Commits what is processed, leaves the group and closes everything. Also in the middle
   * of a backlog: the loop looks at `running` every few milliseconds of work (maxBlockMs),
   * so this returns after at most one fetch wait (100 ms), maxBlockMs of processing, the
   * commit in flight and one final commit (at most one commit interval's work).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop?.catch(() => {});
    if (this.appState !== "error" && !this.abandoned) {
      await this.commit().catch(() => {});
    }
    await this.member.leave().catch(() => {});
    await this.purging;
    for (const task of this.tasks.values()) task.close();
    this.tasks.clear();
    this.tasksByPartition.clear();
    await this.producer.close().catch(() => {});
    await this.fetcher.close().catch(() => {});
    await this.admin.close().catch(() => {});
    if (this.appState !== "error") this.setState("stopped");
  }

  /**
   * A key-value store across this instance's tasks (interactive queries). Reads see the
   * tasks' current state, including what the next commit will make durable.
   */
  keyValueStore<K, V>(
    name: string,
  ): Pick<KeyValueStore<K, V>, "get" | "all" | "range" | "approximateNumEntries"> {
    const stores = () =>
      [...this.tasks.values()]
        .map((t) => t.state.typedStores.get(name) as KeyValueStore<K, V> | undefined)
        .filter((s): s is KeyValueStore<K, V> => s !== undefined);
    const global = this.globals.get(name)?.store as KeyValueStore<K, V> | undefined;
    return {
      get: (key) => {
        if (global) return global.get(key);
        for (const store of stores()) {
          const value = store.get(key);
          if (value !== undefined) return value;
        }
        return undefined;
      },
      *all() {
        if (global) yield* global.all();
        for (const store of stores()) yield* store.all();
      },
      *range(from, to) {
        if (global) yield* global.range(from, to);
        for (const store of stores()) yield* store.range(from, to);
      },
      approximateNumEntries: () =>
        (global?.approximateNumEntries() ?? 0) +
        stores().reduce((n, s) => n + s.approximateNumEntries(), 0),
    };
  }

  /**
   * Which instance holds `key` of a store: the task's partition and, from the group,
   * the owner's endpoint (the `endpoint` config of that instance).
   */
  async metadataForKey(
    storeName: string,
    serializedKey: Buffer,
  ): Promise<{ partition: number; local: boolean; endpoint: string | undefined }> {
    const subtopology = this.topology.subtopologies.find((s) =>
      s.stores.some((st) => st.name === storeName),
    );
    if (!subtopology) throw new Error(`no store named ${storeName}`);
    const topics = this.layout.get(subtopology.id) ?? [];
    const partitions = Math.max(...topics.map((t) => this.partitionCounts.get(t) ?? 0));
    const partition = partitionFor(serializedKey, partitions);
    const local = this.tasks.has(taskIdString({ subtopology: subtopology.id, partition }));
    if (local) return { partition, local, endpoint: this.config.endpoint };
    const members = await this.admin.groupMembers(this.config.applicationId);
    const owner = members.find((m) =>
      m.partitions.some((tp) => topics.includes(tp.topic) && tp.partition === partition),
    );
    const endpoint = owner?.clientId.split("|")[1] || undefined;
    return { partition, local, endpoint };
  }

  // ---------------------------------------------------------------- set-up

  private resolve(name: string): string {
    return this.internal.has(name) ? internalTopicName(this.config.applicationId, name) : name;
  }

  private async prepareTopics(): Promise<void> {
    const { applicationId } = this.config;
    const external = new Set<string>();
    for (const s of this.topology.subtopologies) {
      for (const t of s.sourceTopics) if (!this.internal.has(t)) external.add(t);
      for (const n of s.nodes)
        if (n.kind === "sink" && !this.internal.has(n.topic)) external.add(n.topic);
    }
    for (const g of this.topology.globalTables) external.add(g.topic);
    let existing = new Set(await this.admin.listTopics());
    let missing = [...external].filter((t) => !existing.has(t));
    // A topic another client has just created can take a moment to reach this broker's
    // metadata on a busy machine: look again for a few seconds before giving up.
    for (let attempt = 0; missing.length > 0 && attempt < 20; attempt++) {
      await sleep(250);
      existing = new Set(await this.admin.listTopics());
      missing = missing.filter((t) => !existing.has(t));
    }
    if (missing.length > 0) {
      throw new Error(
        `${applicationId}: topics missing (create them with vobe topics apply): ${missing.join(", ")}`,
      );
    }
    for (const t of external) this.partitionCounts.set(t, await this.admin.partitionCount(t));
    // Internal topics are as wide as the topics they are co-partitioned with.
    const countOf = (name: string, seen = new Set<string>()): number => {
      const known = this.partitionCounts.get(this.resolve(name));
      if (known !== undefined) return known;
      const spec = this.topology.internalTopics.find((t) => t.name === name);
      if (!spec || seen.has(name)) return 1;
      seen.add(name);
      return Math.max(1, ...spec.partitionsLike.map((t) => countOf(t, seen)));
    };
    const toCreate = [];
    for (const spec of this.topology.internalTopics) {
      const name = this.resolve(spec.name);
      const partitions = countOf(spec.name);
      this.partitionCounts.set(name, partitions);
      toCreate.push({
        name,
        partitions,
        config: { "cleanup.policy": "delete", "retention.ms": "-1" },
      });
    }
    for (const s of this.topology.subtopologies) {
      const sources = s.sourceTopics.map((t) => this.resolve(t));
      this.layout.set(s.id, sources);
      const partitions = Math.max(1, ...sources.map((t) => this.partitionCounts.get(t) ?? 1));
      for (const store of s.stores) {
        if (!store.logged) continue;
        const name = changelogTopicName(applicationId, store.name);
        this.partitionCounts.set(name, partitions);
        toCreate.push({ name, partitions, config: changelogConfig(store) });
      }
    }
    if (Object.values(this.config.handlers).includes("dead-letter")) {
      toCreate.push({
        name: this.config.deadLetterTopic,
        partitions: 1,
        config: { "retention.ms": "-1" },
      });
      this.partitionCounts.set(this.config.deadLetterTopic, 1);
    }
    await this.admin.createTopics(toCreate);
    for (const t of toCreate)
      this.partitionCounts.set(t.name, await this.admin.partitionCount(t.name));
  }

  /** Global tables are read in full before anything is processed, then followed. */
  private async startGlobals(): Promise<void> {
    for (const spec of this.topology.globalTables) {
      const bytes = createInMemoryBytesStore();
      const count = this.partitionCounts.get(spec.topic) ?? 1;
      const positions = new Map<string, { tp: TopicPartition; offset: bigint }>();
      for (let partition = 0; partition < count; partition++) {
        const tp = { topic: spec.topic, partition };
        positions.set(partitionKey(tp), { tp, offset: 0n });
      }
      const table: GlobalTable = {
        topic: spec.topic,
        store: spec.store.build(bytes),
        bytes,
        positions,
        keySerde: spec.keySerde,
      };
      this.globals.set(spec.store.name, table);
      const ends = await this.admin.endOffsets(spec.topic, "read_committed");
      while ([...positions.values()].some((p) => p.offset < (ends[p.tp.partition] ?? 0n))) {
        await this.fetchGlobals(table);
      }
    }
  }

  private async fetchGlobals(table: GlobalTable): Promise<void> {
    const fetched = await this.fetcher.fetch(
      [...table.positions.values()].map((p) => ({ ...p.tp, offset: p.offset })),
      { maxWaitMs: 10 },
    );
    for (const f of fetched) {
      for (const r of f.records) table.bytes.put(r.key ?? Buffer.alloc(0), r.value);
      table.positions.set(partitionKey(f), {
        tp: { topic: f.topic, partition: f.partition },
        offset: f.nextOffset,
      });
    }
  }

  // ---------------------------------------------------------------- rebalance

  private get assignmentPending(): boolean {
    return this.received.length > 0;
  }

  /**
   * Makes the local tasks match the newest assignment. Anything processed since the last
   * commit is dropped first: it belongs to a generation that is over, and the records
   * will be read again from the committed offsets by whoever owns them now. A task is
   * kept only if this member owned it in every generation since its tasks were built
   * (see tasksOwnedThroughout); any other is built again from its changelog.
   */
  private async handleAssignment(): Promise<void> {
    while (this.assignmentPending) {
      const received = this.received.splice(0);
      const latest = received.at(-1) as ReceivedAssignment;
      this.metrics.rebalances.inc({ application: this.config.applicationId });
      this.discardUncommitted();
      const kept = tasksOwnedThroughout(this.layout, this.handled?.generation, received);
      for (const [key, task] of this.tasks) {
        if (!kept.has(key)) {
          task.close();
          this.tasks.delete(key);
        }
      }
      this.handled = latest;
      if (!(await this.openTasks(latest.partitions))) return;
      this.lastCommit = Date.now();
      if (this.running && this.appState === "rebalancing") this.setState("running");
    }
  }

  /**
   * Builds the tasks of `partitions` that are not open (restoring their stores), resets
   * the open ones, and sets every position to the group's committed offset. Tasks outside
   * `partitions` are closed by the caller first. False when stop() came during a restore.
   *
   * The committed offsets are read first, and stable: a previous owner's transaction that
   * commits offsets for these partitions has ended by then, so the restore that follows
   * reaches its changelog writes. Restoring first could stop at that transaction's open
   * records and then start from the offsets it committed: its interval's state lost.
   */
  private async openTasks(partitions: readonly TopicPartition[]): Promise<boolean> {
    const committed = await this.member.committedOffsets(partitions);
    this.tasksByPartition.clear();
    for (const [key, id] of assignedTasks(this.layout, partitions)) {
      // stop() during a long restore: the rest of the assignment is not needed, and
      // positions are not rewound yet, so stop() must not commit them.
      if (this.loop !== undefined && !this.running) {
        this.abandoned = true;
        return false;
      }
      let task = this.tasks.get(key);
      if (!task) {
        task = await this.createTask(id);
        this.tasks.set(key, task);
      } else {
        task.resetGraph();
      }
      for (const topic of this.layout.get(id.subtopology) ?? []) {
        this.tasksByPartition.set(partitionKey({ topic, partition: id.partition }), task);
      }
    }
    for (const tp of partitions) {
      const task = this.tasksByPartition.get(partitionKey(tp));
      if (!task) continue;
      let offset = committed.get(partitionKey(tp));
      if (offset === undefined) {
        const edge =
          this.config.startFrom === "latest"
            ? await this.admin.endOffsets(tp.topic, "read_committed")
            : await this.admin.startOffsets(tp.topic);
        offset = edge[tp.partition] ?? 0n;
      }
      task.setPosition(tp, offset, true);
    }
    return true;
  }

  private async createTask(id: TaskId): Promise<StreamTask> {
    const spec = this.topology.subtopologies.find((s) => s.id === id.subtopology);
    if (!spec) throw new Error(`no sub-topology ${id.subtopology}`);
    const state = new StateManager(
      this.config.applicationId,
      id,
      this.config.stateDir,
      this.recordCache,
    );
    for (const store of spec.stores) state.register(store);
    await state.restore(
      this.fetcher,
      (progress) => {
        const labels = {
          application: this.config.applicationId,
          task: progress.task,
          store: progress.store,
        };
        // Progress reports a running count per restore: the counter takes the difference.
        const key = `${progress.task}\u0000${progress.store}`;
        const before = this.restoredSoFar.get(key) ?? 0;
        if (progress.restored > before)
          this.metrics.restored.inc(labels, progress.restored - before);
        this.restoredSoFar.set(key, progress.done ? 0 : progress.restored);
        this.metrics.restoreRemaining.set(labels, Math.max(0, progress.total - progress.restored));
        for (const listener of this.restoreListeners) listener(progress);
      },
      () => this.loop !== undefined && !this.running,
    );
    return new StreamTask(id, spec, state, () => this.environment(id, state));
  }

  private environment(id: TaskId, state: StateManager): TaskEnvironment {
    const stores = new Map(state.typedStores);
    for (const [name, g] of this.globals) stores.set(name, g.store);
    return {
      applicationId: this.config.applicationId,
      taskId: id,
      stores,
      collector: { send: (record) => this.collected.push(record) },
      resolveTopic: (name) => this.resolve(name),
      partitionCount: (topic) => {
        const count = this.partitionCounts.get(topic);
        if (count === undefined)
          throw new Error(`unknown topic ${topic} (not declared in the topology)`);
        return count;
      },
      systemTime: () => Date.now(),
      requestCommit: () => {
        this.commitRequested = true;
      },
      recordContext: state.recordContext,
      caches: state.caches,
    };
  }

  private discardUncommitted(): void {
    this.collected = [];
    for (const task of this.tasks.values()) {
      task.state.aborted();
      task.resetGraph();
    }
  }

  // ---------------------------------------------------------------- processing

  private async runLoop(): Promise<void> {
    try {
      while (this.running) {
        if (this.assignmentPending) {
          // Whatever was processed in the old generation is not committed: drop it.
          await this.handleAssignment();
          continue;
        }
        const positions: FetchPosition[] = [];
        for (const task of this.tasks.values()) {
          for (const { tp, offset } of task.positions.values()) positions.push({ ...tp, offset });
        }
        if (positions.length === 0 && this.globals.size === 0) {
          await sleep(100);
          continue;
        }
        for (const table of this.globals.values()) await this.fetchGlobals(table);
        const fetched =
          positions.length > 0 ? await this.fetcher.fetch(positions, { maxWaitMs: 100 }) : [];
        await this.processFetched(fetched);
        if (this.assignmentPending || !this.running) continue;
        this.punctuateWallClock();
        if (this.commitDue()) await this.commit();
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /**
   * A fetch can hold hundreds of thousands of records (a backlog): it is processed in
   * slices. Every CHECK_EVERY records the loop commits if one is due (interval, buffered
   * outputs, a request), lets the event loop run once maxBlockMs of work has passed, and
   * stops early for stop() or a rebalance. So the work between two commits, and the time
   * the process cannot answer anything else, stay bounded whatever the backlog.
   *
   * A task reading several partitions (a stream and the table it joins, a foreign-key
   * join's answers) takes their fetched records in timestamp order, lowest first, as
   * Kafka Streams' PartitionGroup does; within what was fetched: it does not wait for a
   * partition that returned nothing (max.task.idle.ms 0).
   */
  private async processFetched(fetched: FetchedBatch[]): Promise<void> {
    const byTask = new Map<StreamTask, Cursor[]>();
    for (const f of fetched) {
      const task = this.tasksByPartition.get(partitionKey(f));
      if (!task) continue;
      const cursors = byTask.get(task) ?? [];
      cursors.push({ batch: f, next: 0 });
      byTask.set(task, cursors);
    }
    let sliceStarted = performance.now();
    let sinceCheck = 0;
    for (const [task, cursors] of byTask) {
      const counter = this.processedCounter(task);
      let uncounted = 0;
      let countedFrom = performance.now();
      let last: InRecord | undefined;
      const count = () => {
        counter.inc(uncounted);
        const now = performance.now();
        counter.seconds.inc((now - countedFrom) / 1000);
        countedFrom = now;
        uncounted = 0;
      };
      for (let cursor = nextInTimeOrder(cursors); cursor; cursor = nextInTimeOrder(cursors)) {
        const record = cursor.batch.records[cursor.next++] as InRecord;
        // Only a serde that needs I/O (an unknown schema id) makes this wait.
        const pending = task.graph.prepare(record.topic, record.key, record.value);
        if (pending) await pending;
        this.processRecord(task, record);
        uncounted++;
        last = record;
        if (++sinceCheck < CHECK_EVERY) continue;
        sinceCheck = 0;
        // Sampled, one record in CHECK_EVERY: the per-record path allocates and observes
        // nothing (a histogram observation is a bucket search and a clock read).
        counter.e2e.observe((Date.now() - Number(record.timestamp)) / 1000);
        const commitDue = this.commitDue();
        const sliceOver = performance.now() - sliceStarted >= this.config.maxBlockMs;
        if (!commitDue && !sliceOver && this.running && !this.assignmentPending) continue;
        count();
        this.advancePositions(task, cursors);
        if (!this.running || this.assignmentPending) return;
        if (commitDue) {
          this.punctuateWallClock();
          // A failed commit rewound every position: the rest of this fetch is stale.
          if (!(await this.commit())) return;
        } else {
          await yieldToEventLoop();
        }
        if (!this.running || this.assignmentPending) return;
        sliceStarted = performance.now();
        countedFrom = sliceStarted;
      }
      // A fetch shorter than CHECK_EVERY records still gives its last one as a sample.
      if (last && sinceCheck > 0) counter.e2e.observe((Date.now() - Number(last.timestamp)) / 1000);
      count();
      this.advancePositions(task, cursors);
      for (const { batch } of cursors) {
        this.metrics.lag.set(
          {
            application: this.config.applicationId,
            topic: batch.topic,
            partition: String(batch.partition),
          },
          Number(batch.highWatermark - batch.nextOffset),
        );
      }
      if (this.assignmentPending || !this.running) return;
    }
  }

  /** Positions after what the task has processed of each fetched batch. */
  private advancePositions(task: StreamTask, cursors: readonly Cursor[]): void {
    for (const { batch, next } of cursors) {
      const tp = { topic: batch.topic, partition: batch.partition };
      if (next === 0) {
        // A fetch of only a transaction marker (or aborted records) has no records but
        // moves the position past them: without this the committed offset stayed on the
        // marker, and anything waiting for the application to pass it waited for ever.
        if (batch.records.length === 0) task.setPosition(tp, batch.nextOffset, false);
        continue;
      }
      const done = next >= batch.records.length;
      const last = batch.records[next - 1] as InRecord;
      task.setPosition(tp, done ? batch.nextOffset : last.offset + 1n, false);
    }
  }

  private commitDue(): boolean {
    return (
      this.commitRequested ||
      this.collected.length >= this.config.maxBufferedRecords ||
      Date.now() - this.lastCommit >= this.config.commitIntervalMs
    );
  }

  private punctuateWallClock(): void {
    for (const task of this.tasks.values()) {
      try {
        task.graph.punctuateWallClock();
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        this.handleRecordError(error, undefined);
      }
    }
  }

  /** Synchronous: the per-record path allocates no promise. */
  private processRecord(task: StreamTask, record: InRecord): void {
    // A traced input is processed in a span of its trace, and the processors see that
    // span as the record's traceparent: what they derive from it (the derived headers copy
    // the input's) continues the trace from here. Untraced, nothing is allocated.
    const traced = tracingEnabled() ? record.headers.get(traceparentHeader) : undefined;
    const span = traced
      ? startSpan(`process ${this.config.applicationId}`, {
          parent: traced,
          kind: SpanKind.CONSUMER,
          attributes: {
            "messaging.destination.name": record.topic,
            "messaging.destination.partition.id": String(record.partition),
            "messaging.kafka.offset": Number(record.offset),
            "vobe.task": taskIdString(task.id),
          },
        })
      : undefined;
    let headers = record.headers;
    if (span) {
      headers = new Map(record.headers);
      headers.set(traceparentHeader, Buffer.from(traceparentOf(span), "latin1"));
    }
    let failed: unknown;
    try {
      task.graph.process(
        record.topic,
        record.key,
        record.value,
        Number(record.timestamp),
        headers,
        {
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
        },
      );
    } catch (error) {
      failed = error;
      if (!(error instanceof RecordError)) throw error;
      this.handleRecordError(error, record);
    } finally {
      endSpan(span, failed);
    }
  }

  /** The commit's span, linking the traces of its outputs; none when no output is traced. */
  private commitSpan(outputs: readonly CollectedRecord[]): Span | undefined {
    const traces = new Set<string>();
    for (const output of outputs) {
      const traceparent = output.headers.get(traceparentHeader);
      if (traceparent) traces.add(traceparent.toString("latin1"));
      if (traces.size >= MAX_COMMIT_LINKS) break;
    }
    if (traces.size === 0) return undefined;
    return startSpan(`commit ${this.config.applicationId}`, {
      links: [...traces],
      attributes: {
        "vobe.outputs": outputs.length,
        "vobe.guarantee": this.config.processingGuarantee,
      },
    });
  }

  private readonly counters = new Map<string, TaskCounters>();
  private readonly restoredSoFar = new Map<string, number>();
  private readonly droppedSoFar = new Map<string, number>();

  /** The task's children of the per-task metrics, made once, not per record. */
  private processedCounter(task: StreamTask): TaskCounters {
    const id = taskIdString(task.id);
    let counter = this.counters.get(id);
    if (!counter) {
      const labels = { application: this.config.applicationId, task: id };
      const processed = this.metrics.processed.labels(labels);
      counter = {
        inc: (n) => processed.inc(n),
        seconds: this.metrics.processSeconds.labels(labels),
        e2e: this.metrics.e2eLatency.labels(labels),
      };
      this.counters.set(id, counter);
    }
    return counter;
  }

  private handleRecordError(error: RecordError, record: InRecord | undefined): void {
    const action = this.actionFor(error.stage);
    this.metrics.errors.inc({ application: this.config.applicationId, stage: error.stage, action });
    if (action === "fail") throw error;
    if (action === "log-and-continue" || !record) {
      processLog().warn(
        {
          application: this.config.applicationId,
          stage: error.stage,
          node: error.node,
          ...(record
            ? {
                topic: record.topic,
                partition: record.partition,
                offset: String(record.offset),
                traceId: traceIdOf(record.headers.get(traceparentHeader)),
              }
            : {}),
        },
        `skipped a record: ${error.message}`,
      );
      return;
    }
    const headers = new Map(record.headers);
    headers.set("vobe.error.stage", Buffer.from(error.stage));
    headers.set("vobe.error.node", Buffer.from(error.node));
    headers.set(
      "vobe.error.message",
      Buffer.from(String((error.cause as Error)?.message ?? error.message)),
    );
    headers.set("vobe.origin.topic", Buffer.from(record.topic));
    headers.set("vobe.origin.partition", Buffer.from(String(record.partition)));
    headers.set("vobe.origin.offset", Buffer.from(String(record.offset)));
    // In the same commit as the skipped record's offset: in the DLQ once, or not skipped.
    this.collected.push({
      topic: this.config.deadLetterTopic,
      partition: 0,
      key: record.key,
      value: record.value,
      timestamp: Number(record.timestamp),
      headers,
    });
    this.metrics.deadLettered.inc({ application: this.config.applicationId, stage: error.stage });
  }

  private actionFor(stage: ErrorStage): ErrorAction {
    const { handlers } = this.config;
    return stage === "deserialize"
      ? handlers.deserialization
      : stage === "process"
        ? handlers.processing
        : handlers.production;
  }

  // ---------------------------------------------------------------- the commit boundary

  /**
   * Outputs, changelog records and input offsets, all or nothing. Under exactly_once
   * in one Kafka transaction; under at_least_once, outputs first and offsets after.
   * Only when Kafka has committed do the stores' writes become their durable base.
   */
  private async commit(): Promise<boolean> {
    this.commitRequested = false;
    const tasks = [...this.tasks.values()];
    // The record caches' updates belong to this interval: downstream and into the
    // changelogs now, before outputs and changelogs are collected.
    for (const task of tasks) this.flushCaches(task);
    const outputs = this.collected;
    const changelogs = tasks.map((t) => t.changelogRecords());
    const offsets = tasks.flatMap((t) => t.offsetsToCommit());
    if (outputs.length === 0 && offsets.length === 0 && changelogs.every((c) => c.length === 0)) {
      this.lastCommit = Date.now();
      return true;
    }
    const started = process.hrtime.bigint();
    const records = [...outputs, ...changelogs.flat()];
    // One transaction carries the outputs of many traces: its span links them.
    const commitSpan = tracingEnabled() ? this.commitSpan(outputs) : undefined;
    let positions: RecordPosition[];
    try {
      if (this.config.processingGuarantee === "exactly_once") {
        const tx = await this.producer.transaction();
        try {
          positions = await tx.send(records.map(toOutRecord));
          await tx.sendGroupOffsets(this.member, offsets, this.handled?.generation);
          await tx.commit();
        } catch (error) {
          await tx.abort().catch(() => {});
          throw error;
        }
      } else {
        positions = await this.producer.send(records.map(toOutRecord));
        // The member commits under its current generation; one newer than the tasks'
        // would pass offsets of partitions another member may own by now.
        if (!sameGeneration(this.member.generation(), this.handled?.generation))
          throw new Error("the group rebalanced since the assignment being processed");
        await this.member.commit(offsets);
      }
    } catch (error) {
      endSpan(commitSpan, error);
      // Fenced: a newer producer holds the transactional id. Usually another instance with
      // the same instanceId took over; a coordinator that moved with a killed broker can
      // also abort the open transaction with a new epoch (tests/integration/
      // faults-broker-killed). Either way this producer may write nothing more: it stops,
      // and a supervisor's restart starts over from the committed offsets.
      if (isFenced(error)) {
        throw new Error(
          `${this.config.applicationId}: fenced (another instance with instanceId ${this.config.instanceId} took over, or the transaction coordinator moved and aborted this one's transaction); this one stops`,
          { cause: error },
        );
      }
      // A rebalance (stale generation) or a broker hiccup: drop the interval's work and
      // read again from the committed offsets. The same failure over and over is not a
      // hiccup: stop instead of rewinding forever.
      this.failedCommits += 1;
      const reason = describeFailure(error);
      if (this.failedCommits >= MAX_FAILED_COMMITS) {
        throw new Error(
          `${this.config.applicationId}: ${this.failedCommits} commits in a row failed: ${reason}`,
          { cause: error },
        );
      }
      processLog().warn(
        { application: this.config.applicationId, attempt: this.failedCommits },
        `commit failed, rewinding: ${reason}`,
      );
      await sleep(Math.min(5_000, 100 * 2 ** this.failedCommits));
      this.discardUncommitted();
      // Under exactly_once nobody knows whether the transaction committed: EndTxn may have
      // succeeded with its answer lost. Its changelog records and its input offsets went
      // together either way, so every task is built again from its changelog and resumes
      // from the committed offsets: both then agree, whichever way it went. Keeping the
      // stores (without the interval's writes) double-counted an interval that had in
      // fact committed.
      if (this.config.processingGuarantee === "exactly_once") {
        for (const task of this.tasks.values()) task.close();
        this.tasks.clear();
        this.tasksByPartition.clear();
      }
      // A rebalance under way builds the tasks it keeps itself.
      if (!this.assignmentPending && this.handled) await this.openTasks(this.handled.partitions);
      return false;
    }
    endSpan(commitSpan);
    this.failedCommits = 0;
    this.collected = [];
    this.purgeConsumed(offsets);
    let at = outputs.length;
    tasks.forEach((task, i) => {
      const n = changelogs[i]?.length ?? 0;
      task.state.committed(positions.slice(at, at + n));
      at += n;
      task.markCommitted();
    });
    this.lastCommit = Date.now();
    this.metrics.commitSeconds.observe(
      { application: this.config.applicationId, guarantee: this.config.processingGuarantee },
      Number(process.hrtime.bigint() - started) / 1e9,
    );
    for (const task of tasks) {
      this.metrics.taskCommits.inc({
        application: this.config.applicationId,
        task: taskIdString(task.id),
      });
    }
    // The sensor keeps running totals; the counter takes what is new since the last commit.
    for (const entry of droppedRecordsSensor.snapshot(this.config.applicationId)) {
      const key = `${entry.task}\u0000${entry.node}\u0000${entry.reason}`;
      const before = this.droppedSoFar.get(key) ?? 0;
      if (entry.count <= before) continue;
      this.droppedSoFar.set(key, entry.count);
      this.metrics.dropped.inc(
        {
          application: this.config.applicationId,
          task: entry.task,
          node: entry.node,
          reason: entry.reason,
        },
        entry.count - before,
      );
    }
    return true;
  }

  /**
   * Deletes the repartition records that are committed as consumed, at most once per
   * `repartitionPurgeIntervalMs` (Kafka Streams' repartition.purge.interval.ms): they are
   * never read again, since a rewind goes back to committed offsets only. In the
   * background: a failed purge is retried with the next one.
   */
  private purgeConsumed(committed: ReadonlyArray<TopicPartition & { offset: bigint }>): void {
    for (const tp of committed) {
      if (this.repartitionTopics.has(tp.topic)) this.purgeable.set(partitionKey(tp), tp);
    }
    if (this.purging || this.purgeable.size === 0) return;
    if (Date.now() - this.lastPurge < this.config.repartitionPurgeIntervalMs) return;
    const offsets = [...this.purgeable.values()];
    this.purgeable.clear();
    this.lastPurge = Date.now();
    this.purging = this.admin
      .deleteRecordsBefore(offsets)
      .catch((error: unknown) => {
        for (const tp of offsets) {
          const key = partitionKey(tp);
          if (!this.purgeable.has(key)) this.purgeable.set(key, tp);
        }
        processLog().warn(
          { application: this.config.applicationId },
          `purging consumed repartition records failed: ${describeFailure(error)}`,
        );
      })
      .finally(() => {
        this.purging = undefined;
      });
  }

  /** Flushes a task's record caches; a record error in between is handled like any other. */
  private flushCaches(task: StreamTask): void {
    for (;;) {
      try {
        task.graph.flushCaches();
        return;
      } catch (error) {
        if (!(error instanceof RecordError)) throw error;
        this.handleRecordError(error, undefined);
      }
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    this.running = false;
    this.setState("error", error);
    processLog().error({ application: this.config.applicationId, err: error }, "stopped on error");
  }

  private setState(state: AppState, error?: Error): void {
    this.appState = state;
    for (const listener of this.listeners) listener(state, error);
  }
}

type FetchedBatch = Awaited<ReturnType<Fetcher["fetch"]>>[number];

/** How far a task has processed one fetched partition batch. */
interface Cursor {
  batch: FetchedBatch;
  next: number;
}

/** The batch whose next record has the lowest timestamp (the first such on ties). */
function nextInTimeOrder(cursors: readonly Cursor[]): Cursor | undefined {
  let best: Cursor | undefined;
  let bestTime = 0n;
  for (const cursor of cursors) {
    const record = cursor.batch.records[cursor.next];
    if (record === undefined) continue;
    if (best === undefined || record.timestamp < bestTime) {
      best = cursor;
      bestTime = record.timestamp;
    }
  }
  return best;
}

function toOutRecord(record: CollectedRecord): OutRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    key: record.key,
    value: record.value,
    headers: record.headers,
    timestamp: BigInt(Math.trunc(record.timestamp)),
  };
}

function changelogConfig(store: StoreSpec): Record<string, string> {
  if (store.kind === "key-value") return { "cleanup.policy": "compact" };
  // Windowed changelogs may drop what the store itself no longer keeps.
  return {
    "cleanup.policy": "compact,delete",
    "retention.ms": String((store.retentionMs ?? DAY_MS) + DAY_MS),
  };
}

function sameGeneration(a: Generation, b: Generation | undefined): boolean {
  return b !== undefined && a.generationId === b.generationId && a.memberId === b.memberId;
}
