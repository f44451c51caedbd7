import type { ProcessorSupplier } from "../../processor/api.ts";
import type { Serde } from "../../serde/api.ts";
import type {
  GlobalTableSpec,
  InternalTopicSpec,
  ProcessorNodeSpec,
  SinkNodeSpec,
  SourceNodeSpec,
  StoreSpec,
  TimestampExtractor,
  Topology,
} from "../../topology/spec.ts";
import { assembleTopology } from "./assemble.ts";

// biome-ignore lint/suspicious/noExplicitAny: the graph stores operators of every type.
export type AnySupplier = ProcessorSupplier<any, any, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: serdes of every type, checked by the DSL's generics.
export type AnySerde = Serde<any>;

/** A node's spec minus what grows later (children, stores). */
export type DraftSpec =
  | Omit<SourceNodeSpec, "children">
  | Omit<ProcessorNodeSpec, "children" | "stores">
  | SinkNodeSpec;

/** A node while the graph is still growing: children are appended as operators are added. */
export interface DraftNode {
  readonly name: string;
  readonly order: number;
  readonly spec: DraftSpec;
  readonly children: string[];
  readonly parents: string[];
  readonly stores: string[];
}

/**
 * The graph the DSL grows: nodes in creation order, stores, internal topics and global
 * tables. Names come from the user or from a counter (KSTREAM-FILTER-0000000003), so a
 * topology built twice gets the same names. `build()` cuts it into sub-topologies.
 */
export class GraphBuilder {
  readonly nodes = new Map<string, DraftNode>();
  readonly stores = new Map<string, StoreSpec>();
  readonly globalStores = new Set<string>();
  readonly globalTables: GlobalTableSpec[] = [];
  readonly internalTopics = new Map<string, InternalTopicSpec>();
  private counter = 0;

  /** `name` if the user gave one, else PREFIX-0000000007. */
  nameFor(prefix: string, name?: string): string {
    if (name !== undefined) return name;
    return `${prefix}-${String(this.counter++).padStart(10, "0")}`;
  }

  addSource(
    name: string,
    topics: readonly string[],
    keySerde: AnySerde,
    valueSerde: AnySerde,
    timestampExtractor?: TimestampExtractor,
  ): string {
    for (const node of this.nodes.values()) {
      if (node.spec.kind === "source" && node.spec.topics.some((t) => topics.includes(t))) {
        throw new Error(`topic already consumed by source ${node.name}: ${topics.join(", ")}`);
      }
    }
    const spec = { kind: "source" as const, name, topics, keySerde, valueSerde };
    return this.add(name, timestampExtractor ? { ...spec, timestampExtractor } : spec, []);
  }

  addProcessor(
    name: string,
    supplier: AnySupplier,
    parents: readonly string[],
    stores: readonly string[] = [],
  ): string {
    this.add(name, { kind: "processor", name, supplier }, parents);
    for (const store of stores) this.connectStore(name, store);
    return name;
  }

  addSink(
    name: string,
    topic: string,
    keySerde: AnySerde,
    valueSerde: AnySerde,
    parent: string,
    partitioner?: SinkNodeSpec["partitioner"],
  ): string {
    const spec = { kind: "sink" as const, name, topic, keySerde, valueSerde };
    return this.add(name, partitioner ? { ...spec, partitioner } : spec, [parent]);
  }

  addStore(store: StoreSpec): void {
    if (this.stores.has(store.name)) throw new Error(`store ${store.name} is declared twice`);
    this.stores.set(store.name, store);
  }

  addGlobalTable(table: GlobalTableSpec): void {
    this.addStore(table.store);
    this.globalStores.add(table.store.name);
    this.globalTables.push(table);
  }

  connectStore(node: string, store: string): void {
    if (!this.stores.has(store)) throw new Error(`store ${store} is not declared`);
    const draft = this.node(node);
    if (!draft.stores.includes(store)) draft.stores.push(store);
  }

  addInternalTopic(name: string, kind: InternalTopicSpec["kind"], upstream: string): void {
    if (this.internalTopics.has(name)) throw new Error(`internal topic ${name} exists twice`);
    this.internalTopics.set(name, { name, kind, partitionsLike: this.sourceTopicsOf(upstream) });
  }

  /**
   * The external topics feeding `node`: what an internal topic after it must be
   * partitioned like. Internal sources are followed back to their own inputs.
   */
  sourceTopicsOf(node: string): string[] {
    const topics = new Set<string>();
    const seen = new Set<string>();
    const walk = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const draft = this.node(name);
      if (draft.spec.kind === "source") {
        for (const topic of draft.spec.topics) {
          const internal = this.internalTopics.get(topic);
          if (internal) for (const t of internal.partitionsLike) topics.add(t);
          else topics.add(topic);
        }
      }
      for (const parent of draft.parents) walk(parent);
      // A processor reading a table's store is fed by that table's topics too.
      for (const store of draft.stores) {
        for (const other of this.nodes.values()) {
          if (other.name !== name && other.stores.includes(store)) walk(other.name);
        }
      }
    };
    walk(node);
    return [...topics].sort();
  }

  node(name: string): DraftNode {
    const draft = this.nodes.get(name);
    if (!draft) throw new Error(`unknown node ${name}`);
    return draft;
  }

  build(): Topology {
    return assembleTopology(this);
  }

  private add(name: string, spec: DraftNode["spec"], parents: readonly string[]): string {
    if (this.nodes.has(name)) throw new Error(`node name ${name} is used twice`);
    const draft: DraftNode = {
      name,
      order: this.nodes.size,
      spec,
      children: [],
      parents: [...parents],
      stores: [],
    };
    this.nodes.set(name, draft);
    for (const parent of parents) {
      const p = this.node(parent);
      if (p.spec.kind === "sink") throw new Error(`sink ${parent} cannot have children`);
      p.children.push(name);
    }
    return name;
  }
}
