import { partitionFor } from "../../../platform/kafka/partitioner.ts";
import type {
  Cancellable,
  Processor,
  ProcessorContext,
  PunctuationType,
} from "../processor/api.ts";
import type { RecordMetadata, StreamRecord, TaskId } from "../processor/record.ts";
import type { StateStore } from "../state/api.ts";
import { newRecordContext, type RecordContext } from "../state/record-cache.ts";
import type { RecordCollector } from "./collector.ts";
import { RecordError } from "./errors.ts";
import type { NodeSpec, SinkNodeSpec, SourceNodeSpec, SubtopologySpec } from "./spec.ts";

/** What a task's graph needs from whoever runs it: the runtime or the test driver. */
export interface TaskEnvironment {
  readonly applicationId: string;
  readonly taskId: TaskId;
  /** The task's stores by name, already built (and changelogged by the runtime). */
  readonly stores: ReadonlyMap<string, StateStore>;
  readonly collector: RecordCollector;
  /** The real topic behind a name used in the topology (internal topics get the app prefix). */
  resolveTopic(name: string): string;
  partitionCount(topic: string): number;
  systemTime(): number;
  requestCommit(): void;
  /** Updated as records move through the graph; cached stores read it on put. */
  readonly recordContext?: RecordContext;
  /** The task's record caches, in store registration order (upstream first). */
  readonly caches?: readonly FlushableCache[];
}

/** What the graph needs of a record cache to flush it at the commit boundary. */
export interface FlushableCache {
  readonly name: string;
  readonly dirty: boolean;
  flush(): void;
}

interface Schedule {
  type: PunctuationType;
  intervalMs: number;
  next: number;
  callback: (timestamp: number) => void;
  cancelled: boolean;
  node: string;
}

type AnyRecord = StreamRecord<unknown, unknown>;
type Deliver = (record: AnyRecord) => void;

/**
 * One task's instance of a sub-topology: processors wired to their children, sources
 * that deserialize, sinks that serialize into the collector, stream time and
 * punctuation. The runtime and the test driver run exactly this code.
 */
export class TaskGraph {
  private readonly deliver = new Map<string, Deliver>();
  private readonly processors: Array<Processor<unknown, unknown, unknown, unknown>> = [];
  private readonly sourcesByTopic = new Map<string, SourceNodeSpec>();
  private readonly schedules: Schedule[] = [];
  private current: RecordMetadata | undefined;
  private currentNode = "";
  private time = -1;
  private readonly recordContext: RecordContext;

  constructor(
    readonly spec: SubtopologySpec,
    private readonly env: TaskEnvironment,
  ) {
    this.recordContext = env.recordContext ?? newRecordContext();
  }

  /** The highest event time seen by this task; -1 before the first record. */
  get streamTime(): number {
    return this.time;
  }

  get taskId(): TaskId {
    return this.env.taskId;
  }

  init(): void {
    const byName = new Map<string, NodeSpec>(this.spec.nodes.map((n) => [n.name, n]));
    const childrenOf = (node: NodeSpec): string[] =>
      node.kind === "sink" ? [] : [...node.children];
    // Wire from the leaves up: a node's deliver function calls its children's.
    const build = (name: string): Deliver => {
      const existing = this.deliver.get(name);
      if (existing) return existing;
      const node = byName.get(name);
      if (!node) throw new Error(`topology refers to unknown node ${name}`);
      let deliver: Deliver;
      if (node.kind === "sink") deliver = this.sinkDeliver(node);
      else if (node.kind === "source") {
        const children = childrenOf(node).map(build);
        deliver = (record) => {
          for (const child of children) child(record);
        };
      } else {
        const children = new Map(childrenOf(node).map((c) => [c, build(c)]));
        const processor = node.supplier();
        const context = this.contextFor(node.name, children, node.stores);
        processor.init?.(context);
        this.processors.push(processor);
        const recordContext = this.recordContext;
        deliver = (record) => {
          const previous = this.currentNode;
          const { timestamp, headers } = recordContext;
          this.currentNode = node.name;
          recordContext.timestamp = record.timestamp;
          recordContext.headers = record.headers;
          try {
            processor.process(record);
          } catch (error) {
            if (error instanceof RecordError) throw error;
            throw new RecordError("process", this.current, node.name, error);
          } finally {
            this.currentNode = previous;
            recordContext.timestamp = timestamp;
            recordContext.headers = headers;
          }
        };
      }
      this.deliver.set(name, deliver);
      return deliver;
    };
    for (const node of this.spec.nodes) {
      if (node.kind === "source") {
        for (const topic of node.topics)
          this.sourcesByTopic.set(this.env.resolveTopic(topic), node);
      }
      build(node.name);
    }
  }

  /**
   * Lets the source's serdes do I/O they need before `process` (an unknown Avro schema
   * id); undefined on the fast path.
   */
  prepare(topic: string, key: Buffer | null, value: Buffer | null): Promise<void> | undefined {
    const source = this.sourcesByTopic.get(topic);
    if (!source) return undefined;
    const k = source.keySerde.prepare?.(key);
    const v = source.valueSerde.prepare?.(value);
    if (!k && !v) return undefined;
    return Promise.all([k, v]).then(() => undefined);
  }

  /** Deserializes one input record and pushes it through the graph. */
  process(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: ReadonlyMap<string, Buffer>,
    metadata: RecordMetadata,
  ): void {
    const source = this.sourcesByTopic.get(topic);
    if (!source)
      throw new Error(
        `task ${this.env.taskId.subtopology}_${this.env.taskId.partition} has no source for ${topic}`,
      );
    this.current = metadata;
    try {
      let record: AnyRecord;
      try {
        const k = source.keySerde.deserialize(key, topic);
        const v = source.valueSerde.deserialize(value, topic);
        const ts = source.timestampExtractor
          ? source.timestampExtractor(k, v, timestamp, topic)
          : timestamp;
        record = { key: k, value: v, timestamp: ts, headers };
      } catch (error) {
        throw new RecordError("deserialize", metadata, source.name, error);
      }
      if (record.timestamp > this.time) this.time = record.timestamp;
      (this.deliver.get(source.name) as Deliver)(record);
    } finally {
      this.current = undefined;
    }
    this.punctuate("stream-time", this.time);
  }

  /** Runs due wall-clock punctuators; the runtime calls it between records and when idle. */
  punctuateWallClock(now = this.env.systemTime()): void {
    this.punctuate("wall-clock", now);
  }

  /** True while a record cache holds updates that have not gone downstream. */
  get hasCachedUpdates(): boolean {
    return (this.env.caches ?? []).some((c) => c.dirty);
  }

  /**
   * Sends every cached update downstream (and into its store's changelog): part of the
   * commit boundary, before outputs and changelogs are collected. Upstream caches flush
   * first; a flush can dirty a cache downstream in the same task, so it repeats until
   * every cache is clean. A RecordError leaves the rest cached: call again after it is
   * handled.
   */
  flushCaches(): void {
    const caches = this.env.caches ?? [];
    for (let pass = 0; pass <= caches.length && this.hasCachedUpdates; pass++) {
      for (const cache of caches) {
        if (!cache.dirty) continue;
        const previous = this.currentNode;
        this.currentNode = cache.name;
        try {
          cache.flush();
        } catch (error) {
          if (error instanceof RecordError) throw error;
          throw new RecordError("process", undefined, `cache of ${cache.name}`, error);
        } finally {
          this.currentNode = previous;
        }
      }
    }
  }

  close(): void {
    for (const processor of this.processors) processor.close?.();
  }

  private punctuate(type: PunctuationType, now: number): void {
    for (const schedule of this.schedules) {
      if (schedule.cancelled || schedule.type !== type || now < schedule.next) continue;
      // Catch up in one call, like Kafka Streams: the next firing is a whole interval later.
      schedule.next = now + schedule.intervalMs;
      const previous = this.currentNode;
      this.currentNode = schedule.node;
      try {
        schedule.callback(now);
      } catch (error) {
        if (error instanceof RecordError) throw error;
        throw new RecordError("process", undefined, schedule.node, error);
      } finally {
        this.currentNode = previous;
      }
    }
  }

  private sinkDeliver(node: SinkNodeSpec): Deliver {
    return (record) => {
      const topic = this.env.resolveTopic(node.topic);
      let key: Buffer | null;
      let value: Buffer | null;
      let partition: number;
      try {
        key = node.keySerde.serialize(record.key, topic);
        value = node.valueSerde.serialize(record.value, topic);
        const partitions = this.env.partitionCount(topic);
        partition = node.partitioner
          ? node.partitioner(record.key, record.value, partitions)
          : partitionFor(key, partitions);
      } catch (error) {
        throw new RecordError("produce", this.current, node.name, error);
      }
      this.env.collector.send({
        topic,
        partition,
        key,
        value,
        timestamp: record.timestamp,
        headers: record.headers,
      });
    };
  }

  private contextFor(
    name: string,
    children: ReadonlyMap<string, Deliver>,
    storeNames: readonly string[],
  ): ProcessorContext<unknown, unknown> {
    const allowed = new Set(storeNames);
    const graph = this;
    const env = this.env;
    return {
      applicationId: env.applicationId,
      taskId: env.taskId,
      recordMetadata: () => graph.current,
      forward(record, childName) {
        if (childName !== undefined) {
          const child = children.get(childName);
          if (!child) throw new Error(`${name} has no child named ${childName}`);
          child(record);
          return;
        }
        for (const child of children.values()) child(record);
      },
      getStateStore<S extends StateStore>(store: string): S {
        if (!allowed.has(store)) {
          throw new Error(`processor ${name} is not connected to store ${store}`);
        }
        const found = env.stores.get(store);
        if (!found) throw new Error(`store ${store} does not exist in task`);
        return found as S;
      },
      schedule(
        intervalMs: number,
        type: PunctuationType,
        callback: (timestamp: number) => void,
      ): Cancellable {
        if (!(intervalMs > 0))
          throw new Error(`punctuation interval must be > 0 ms (got ${intervalMs})`);
        const start = type === "wall-clock" ? env.systemTime() : Math.max(graph.time, 0);
        const schedule: Schedule = {
          type,
          intervalMs,
          next: start + intervalMs,
          callback,
          cancelled: false,
          node: name,
        };
        graph.schedules.push(schedule);
        return {
          cancel() {
            schedule.cancelled = true;
          },
        };
      },
      currentStreamTime: () => graph.time,
      currentSystemTime: () => env.systemTime(),
      requestCommit: () => env.requestCommit(),
    };
  }
}
