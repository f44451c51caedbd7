import type { ProcessorSupplier } from "../processor/api.ts";
import type { Serde } from "../serde/api.ts";
import type { BytesStore, StateStore } from "../state/api.ts";

/**
 * A built topology: what the DSL (or hand-written Processor API code) produces and what
 * the runtime and the test driver both run. Building and running are separate phases:
 * nothing here touches Kafka.
 */
export interface Topology {
  readonly subtopologies: readonly SubtopologySpec[];
  readonly globalTables: readonly GlobalTableSpec[];
  /** Topics the application creates and owns (named `<applicationId>-<name>`). */
  readonly internalTopics: readonly InternalTopicSpec[];
  /** A readable description (sub-topologies, nodes, topics, stores). */
  describe(): string;
}

/** Connected nodes between source topics and sinks; one task per input partition. */
export interface SubtopologySpec {
  readonly id: number;
  /** Source topic names as written in the topology; internal ones are resolved by name. */
  readonly sourceTopics: readonly string[];
  readonly nodes: readonly NodeSpec[];
  readonly stores: readonly StoreSpec[];
}

export type NodeSpec = SourceNodeSpec | ProcessorNodeSpec | SinkNodeSpec;

export interface SourceNodeSpec {
  readonly kind: "source";
  readonly name: string;
  readonly topics: readonly string[];
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  /** Event time of a record; defaults to the record's Kafka timestamp. */
  readonly timestampExtractor?: TimestampExtractor;
  readonly children: readonly string[];
}

export interface ProcessorNodeSpec {
  readonly kind: "processor";
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  /** Stores the processor may open with getStateStore. */
  readonly stores: readonly string[];
  readonly children: readonly string[];
}

export interface SinkNodeSpec {
  readonly kind: "sink";
  readonly name: string;
  readonly topic: string;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  /** Chooses the partition; defaults to the Java-compatible hash of the serialized key. */
  readonly partitioner?: (key: unknown, value: unknown, partitions: number) => number;
}

export type TimestampExtractor = (
  key: unknown,
  value: unknown,
  recordTimestamp: number,
  topic: string,
) => number;

export type StoreKind = "key-value" | "window" | "session";

export interface StoreSpec {
  readonly name: string;
  readonly kind: StoreKind;
  /** On disk (LMDB, with a local checkpoint) or in memory (restored in full). */
  readonly persistent: boolean;
  /** Backed by a compacted changelog topic `<applicationId>-<name>-changelog`. */
  readonly logged: boolean;
  /**
   * Behind the record cache (ADR-016): updates between commits are folded per key and
   * forwarded at the commit or on eviction. Absent: not cached.
   */
  readonly cached?: boolean;
  /** How long windowed data is kept (window and session stores). */
  readonly retentionMs?: number;
  /** Builds the typed store over the task's bytes store (which the runtime changelogs). */
  build(bytes: BytesStore): StateStore;
}

/** A table replicated in full on every instance (all partitions), e.g. genres, artists. */
export interface GlobalTableSpec {
  readonly topic: string;
  readonly keySerde: Serde<unknown>;
  readonly valueSerde: Serde<unknown>;
  readonly store: StoreSpec;
}

export interface InternalTopicSpec {
  /** Without the application id prefix. */
  readonly name: string;
  readonly kind: "repartition" | "subscription" | "response";
  /** Partition count: the maximum of these topics' counts (co-partitioning). */
  readonly partitionsLike: readonly string[];
}

export function internalTopicName(applicationId: string, name: string): string {
  return `${applicationId}-${name}`;
}

export function changelogTopicName(applicationId: string, storeName: string): string {
  return `${applicationId}-${storeName}-changelog`;
}
