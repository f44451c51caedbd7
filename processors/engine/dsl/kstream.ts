import type { ProcessorSupplier } from "../processor/api.ts";
import { withKeyValue, withValue } from "../processor/record.ts";
import type { Serde } from "../serde/api.ts";
import { Stores } from "../state/stores.ts";
import { GlobalKTable } from "./global-ktable.ts";
import { KGroupedStream } from "./grouped-stream.ts";
import { endFirstWindowedSerde, listSerde } from "./internals/internal-serdes.ts";
import { forwarding, passThrough } from "./internals/operators/stateless.ts";
import { streamJoinSide } from "./internals/operators/stream-stream-join.ts";
import { streamTableJoin } from "./internals/operators/stream-table-join.ts";
import { materialize } from "./internals/operators/table-ops.ts";
import { insertRepartition } from "./internals/repartition.ts";
import type { StreamState } from "./internals/stream-state.ts";
import { storeGetter } from "./internals/value-getter.ts";
import { KTable } from "./ktable.ts";
import {
  type Grouped,
  type KeyValue,
  type Materialized,
  type Named,
  type Produced,
  required,
  type StreamJoined,
  toPartitioner,
} from "./options.ts";
import { BranchedKStream } from "./split.ts";
import type { JoinWindows } from "./windows.ts";

/**
 * A stream of records: each one an independent event. Operators return new streams;
 * nothing runs until the built Topology is run by the runtime or the test driver.
 *
 *   builder.stream<string, Play>("plays", serdes)
 *     .filter((_, play) => play.durationMs > 30_000)
 *     .mapValues((play) => play.trackId)
 *     .to("qualified-plays", { valueSerde: Serdes.string() });
 */
export class KStream<K, V> {
  /** @internal Built by StreamsBuilder and by other operators, not by users. */
  constructor(readonly state: StreamState<K, V>) {}

  filter(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    const node = this.add(
      "KSTREAM-FILTER",
      options,
      forwarding<K, V, K, V>((r, forward) => {
        if (predicate(r.key, r.value)) forward(r);
      }),
    );
    return this.derive(node, this.state.keySerde, this.state.valueSerde, this.state.keyChanged);
  }

  filterNot(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.filter((key, value) => !predicate(key, value), options);
  }

  map<K2, V2>(
    mapper: (key: K, value: V) => KeyValue<K2, V2>,
    options: Named = {},
  ): KStream<K2, V2> {
    const node = this.add(
      "KSTREAM-MAP",
      options,
      forwarding<K, V, K2, V2>((r, forward) => {
        const [key, value] = mapper(r.key, r.value);
        forward(withKeyValue(r, key, value));
      }),
    );
    return this.derive<K2, V2>(node, undefined, undefined, true);
  }

  mapValues<V2>(mapper: (value: V, key: K) => V2, options: Named = {}): KStream<K, V2> {
    const node = this.add(
      "KSTREAM-MAPVALUES",
      options,
      forwarding<K, V, K, V2>((r, forward) => {
        forward(withValue(r, mapper(r.value, r.key)));
      }),
    );
    return this.derive<K, V2>(node, this.state.keySerde, undefined, this.state.keyChanged);
  }

  flatMap<K2, V2>(
    mapper: (key: K, value: V) => Iterable<KeyValue<K2, V2>>,
    options: Named = {},
  ): KStream<K2, V2> {
    const node = this.add(
      "KSTREAM-FLATMAP",
      options,
      forwarding<K, V, K2, V2>((r, forward) => {
        for (const [key, value] of mapper(r.key, r.value)) forward(withKeyValue(r, key, value));
      }),
    );
    return this.derive<K2, V2>(node, undefined, undefined, true);
  }

  flatMapValues<V2>(
    mapper: (value: V, key: K) => Iterable<V2>,
    options: Named = {},
  ): KStream<K, V2> {
    const node = this.add(
      "KSTREAM-FLATMAPVALUES",
      options,
      forwarding<K, V, K, V2>((r, forward) => {
        for (const value of mapper(r.value, r.key)) forward(withValue(r, value));
      }),
    );
    return this.derive<K, V2>(node, this.state.keySerde, undefined, this.state.keyChanged);
  }

  selectKey<K2>(selector: (key: K, value: V) => K2, options: Named = {}): KStream<K2, V> {
    const node = this.add(
      "KSTREAM-KEY-SELECT",
      options,
      forwarding<K, V, K2, V>((r, forward) => {
        forward(withKeyValue(r, selector(r.key, r.value), r.value));
      }),
    );
    return this.derive<K2, V>(node, undefined, this.state.valueSerde, true);
  }

  /** Sees each record without changing it (logging, metrics). */
  peek(action: (key: K, value: V) => void, options: Named = {}): KStream<K, V> {
    const node = this.add(
      "KSTREAM-PEEK",
      options,
      forwarding<K, V, K, V>((r, forward) => {
        action(r.key, r.value);
        forward(r);
      }),
    );
    return this.derive(node, this.state.keySerde, this.state.valueSerde, this.state.keyChanged);
  }

  /** A terminal action per record. */
  foreach(action: (key: K, value: V) => void, options: Named = {}): void {
    this.add(
      "KSTREAM-FOREACH",
      options,
      forwarding<K, V, never, never>((r) => action(r.key, r.value)),
    );
  }

  /**
   * Routes each record to the first branch whose predicate matches (others are
   * dropped): `const [hits, rest] = stream.branch(isHit, () => true)`.
   */
  branch(...predicates: Array<(key: K, value: V) => boolean>): KStream<K, V>[] {
    const split = this.split();
    for (const [i, predicate] of predicates.entries()) split.branch(predicate, { name: String(i) });
    const branches = split.noDefaultBranch();
    return predicates.map((_, i) => branches[String(i)] as KStream<K, V>);
  }

  /** Named branches: `stream.split().branch(isHit, { name: "hits" }).defaultBranch()`. */
  split(options: Named = {}): BranchedKStream<K, V> {
    return new BranchedKStream(
      this.state,
      this.state.graph.nameFor("KSTREAM-BRANCH", options.name),
    );
  }

  merge(other: KStream<K, V>, options: Named = {}): KStream<K, V> {
    const graph = this.state.graph;
    const name = graph.nameFor("KSTREAM-MERGE", options.name);
    graph.addProcessor(name, passThrough(), [this.state.node, other.state.node]);
    const keySerde = this.state.keySerde ?? other.state.keySerde;
    const valueSerde = this.state.valueSerde ?? other.state.valueSerde;
    return this.derive(name, keySerde, valueSerde, this.state.keyChanged || other.state.keyChanged);
  }

  /** Writes to a topic; the serdes default to the stream's own if it still knows them. */
  to(topic: string, produced: Produced<K, V> = {}): void {
    const graph = this.state.graph;
    graph.addSink(
      graph.nameFor("KSTREAM-SINK", produced.name),
      topic,
      required(produced.keySerde ?? this.state.keySerde, `to(${topic}) key`),
      required(produced.valueSerde ?? this.state.valueSerde, `to(${topic}) value`),
      this.state.node,
      toPartitioner(produced.partitioner),
    );
  }

  /**
   * The Processor API inside the DSL: a processor with access to the named stores
   * (declared with builder.addStateStore). Its output key may differ, so a stateful
   * step after it repartitions.
   */
  process<K2, V2>(
    supplier: ProcessorSupplier<K, V, K2, V2>,
    storeNames: readonly string[] = [],
    options: Named = {},
  ): KStream<K2, V2> {
    const graph = this.state.graph;
    const name = graph.nameFor("KSTREAM-PROCESSOR", options.name);
    graph.addProcessor(name, supplier, [this.state.node], storeNames);
    return this.derive<K2, V2>(name, undefined, undefined, true);
  }

  /** Repartitions now (by the current key) through `<name>-repartition`. */
  repartition(options: Grouped<K, V> = {}): KStream<K, V> {
    const graph = this.state.graph;
    const base = graph.nameFor("KSTREAM-REPARTITION", options.name);
    const keySerde = required(options.keySerde ?? this.state.keySerde, "repartition key");
    const valueSerde = required(options.valueSerde ?? this.state.valueSerde, "repartition value");
    const source = insertRepartition(graph, this.state.node, base, keySerde, valueSerde);
    return this.derive(source, keySerde, valueSerde, false);
  }

  groupByKey(grouped: Grouped<K, V> = {}): KGroupedStream<K, V> {
    return new KGroupedStream<K, V>(
      {
        ...this.state,
        keySerde: grouped.keySerde ?? this.state.keySerde,
        valueSerde: grouped.valueSerde ?? this.state.valueSerde,
      },
      grouped.name,
    );
  }

  /** Groups by a new key: always repartitions before aggregating. */
  groupBy<K2>(
    selector: (key: K, value: V) => K2,
    grouped: Grouped<K2, V> = {},
  ): KGroupedStream<K2, V> {
    const selected = this.selectKey(selector);
    return selected.groupByKey(grouped);
  }

  /** Stream-table join: each record meets the table's current value for its key. */
  join<VT, VO>(
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT) => VO,
    options?: Grouped<K, V>,
  ): KStream<K, VO>;
  /** Stream-global-table join: the lookup key comes from the record. */
  join<KG, VG, VO>(
    table: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG,
    joiner: (value: V, tableValue: VG) => VO,
    options?: Named,
  ): KStream<K, VO>;
  /** Windowed stream-stream inner join. */
  join<VO2, VO>(
    other: KStream<K, VO2>,
    joiner: (value: V, otherValue: VO2) => VO,
    windows: JoinWindows,
    options?: StreamJoined<K, V, VO2>,
  ): KStream<K, VO>;
  // biome-ignore lint/suspicious/noExplicitAny: dispatches on the overloads above.
  join(other: any, a: any, b?: any, c?: any): KStream<K, any> {
    return this.dispatchJoin(false, other, a, b, c);
  }

  leftJoin<VT, VO>(
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT | null) => VO,
    options?: Grouped<K, V>,
  ): KStream<K, VO>;
  leftJoin<KG, VG, VO>(
    table: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG,
    joiner: (value: V, tableValue: VG | null) => VO,
    options?: Named,
  ): KStream<K, VO>;
  /** Windowed stream-stream left join: unmatched left records are emitted with null once their window closes. */
  leftJoin<VO2, VO>(
    other: KStream<K, VO2>,
    joiner: (value: V, otherValue: VO2 | null) => VO,
    windows: JoinWindows,
    options?: StreamJoined<K, V, VO2>,
  ): KStream<K, VO>;
  // biome-ignore lint/suspicious/noExplicitAny: dispatches on the overloads above.
  leftJoin(other: any, a: any, b?: any, c?: any): KStream<K, any> {
    return this.dispatchJoin(true, other, a, b, c);
  }

  /** Reads the stream as upserts into a table (null values delete). */
  toTable(materialized: Materialized<K, V> = {}): KTable<K, V> {
    const graph = this.state.graph;
    const name = graph.nameFor("KSTREAM-TOTABLE", materialized.name);
    const storeName = materialized.name ?? `${name}-store`;
    const keySerde = required(materialized.keySerde ?? this.state.keySerde, "toTable key");
    const valueSerde = required(materialized.valueSerde ?? this.state.valueSerde, "toTable value");
    const parent = this.partitionedNode(storeName, keySerde, valueSerde);
    graph.addStore(
      Stores.keyValue(storeName, { keySerde, valueSerde, ...storeFlags(materialized) }),
    );
    graph.addProcessor(name, materialize(name, storeName), [parent], [storeName]);
    return new KTable<K, V>(
      { graph, node: name, keySerde, valueSerde, keyChanged: false },
      storeGetter(storeName),
    );
  }

  /**
   * @internal The node a stateful operator should read: this one, or, if the key may
   * have changed, the source of a new `<baseName>-repartition` topic.
   */
  partitionedNode(baseName: string, keySerde?: Serde<K>, valueSerde?: Serde<V>): string {
    if (!this.state.keyChanged) return this.state.node;
    return insertRepartition(
      this.state.graph,
      this.state.node,
      baseName,
      required(keySerde ?? this.state.keySerde, `${baseName} repartition key`),
      required(valueSerde ?? this.state.valueSerde, `${baseName} repartition value`),
    );
  }

  private dispatchJoin(
    left: boolean,
    // biome-ignore lint/suspicious/noExplicitAny: see the public overloads.
    other: any,
    // biome-ignore lint/suspicious/noExplicitAny: see the public overloads.
    a: any,
    // biome-ignore lint/suspicious/noExplicitAny: see the public overloads.
    b: any,
    // biome-ignore lint/suspicious/noExplicitAny: see the public overloads.
    c: any,
  ): KStream<K, unknown> {
    if (other instanceof KTable) return this.joinTable(left, other, a, b ?? {});
    if (other instanceof GlobalKTable) return this.joinGlobal(left, other, a, b, c ?? {});
    if (other instanceof KStream) return this.joinStream(left, other, a, b, c ?? {});
    throw new TypeError("join() takes a KTable, a GlobalKTable or a KStream");
  }

  private joinTable<VT, VO>(
    left: boolean,
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT | null) => VO,
    options: Grouped<K, V>,
  ): KStream<K, VO> {
    const graph = this.state.graph;
    const name = graph.nameFor(left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN", options.name);
    const parent = this.partitionedNode(name, options.keySerde, options.valueSerde);
    const supplier = streamTableJoin<K, V, K, VT, VO>(table.getter, (key) => key, joiner, left);
    graph.addProcessor(name, supplier, [parent], table.getter.stores);
    return this.derive<K, VO>(name, options.keySerde ?? this.state.keySerde, undefined, false);
  }

  private joinGlobal<KG, VG, VO>(
    left: boolean,
    table: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG,
    joiner: (value: V, tableValue: VG | null) => VO,
    options: Named,
  ): KStream<K, VO> {
    const graph = this.state.graph;
    const name = graph.nameFor(left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN", options.name);
    const supplier = streamTableJoin<K, V, KG, VG, VO>(table.getter, keySelector, joiner, left);
    // No repartition: every task holds the whole global table.
    graph.addProcessor(name, supplier, [this.state.node], table.getter.stores);
    return this.derive<K, VO>(name, this.state.keySerde, undefined, this.state.keyChanged);
  }

  private joinStream<V2, VO>(
    left: boolean,
    other: KStream<K, V2>,
    joiner: (value: V, otherValue: V2 | null) => VO,
    windows: JoinWindows,
    options: StreamJoined<K, V, V2>,
  ): KStream<K, VO> {
    const graph = this.state.graph;
    const base = graph.nameFor(left ? "KSTREAM-LEFTJOIN" : "KSTREAM-JOIN", options.name);
    const keySerde = required(
      options.keySerde ?? this.state.keySerde ?? other.state.keySerde,
      `${base} key`,
    );
    const valueSerde = required(options.valueSerde ?? this.state.valueSerde, `${base} value`);
    const otherSerde = required(
      options.otherValueSerde ?? other.state.valueSerde,
      `${base} other value`,
    );
    const thisParent = this.partitionedNode(`${base}-left`, keySerde, valueSerde);
    const otherParent = other.partitionedNode(`${base}-right`, keySerde, otherSerde);
    const retentionMs = windows.beforeMs + windows.afterMs + windows.graceMs;
    const buffer = <T>(name: string, serde: Serde<T>) =>
      graph.addStore(
        Stores.window(name, {
          keySerde,
          valueSerde: listSerde(serde),
          retentionMs,
          windowSizeMs: 0,
        }),
      );
    const thisStore = `${base}-this-store`;
    const otherStore = `${base}-other-store`;
    buffer(thisStore, valueSerde);
    buffer(otherStore, otherSerde);
    const unmatchedStore = `${base}-unmatched-store`;
    if (left) {
      // Ordered by time first, so closed records are found without a whole-store scan.
      graph.addStore(
        Stores.keyValue(unmatchedStore, {
          keySerde: endFirstWindowedSerde(keySerde),
          valueSerde: listSerde(valueSerde),
        }),
      );
    }
    const stores = left ? [thisStore, otherStore, unmatchedStore] : [thisStore, otherStore];
    const emptyJoin = (value: unknown) => joiner(value as V, null);
    const common = { graceMs: windows.graceMs };
    graph.addProcessor(
      `${base}-this`,
      streamJoinSide<K, V, V2, VO>({
        ...common,
        nodeName: `${base}-this`,
        thisStore,
        otherStore,
        beforeMs: windows.beforeMs,
        afterMs: windows.afterMs,
        joiner: (mine, theirs) => joiner(mine, theirs),
        ...(left ? { unmatched: { store: unmatchedStore, isLeftSide: true, emptyJoin } } : {}),
      }),
      [thisParent],
      stores,
    );
    graph.addProcessor(
      `${base}-other`,
      streamJoinSide<K, V2, V, VO>({
        ...common,
        nodeName: `${base}-other`,
        thisStore: otherStore,
        otherStore: thisStore,
        beforeMs: windows.afterMs,
        afterMs: windows.beforeMs,
        joiner: (mine, theirs) => joiner(theirs, mine),
        ...(left ? { unmatched: { store: unmatchedStore, isLeftSide: false, emptyJoin } } : {}),
      }),
      [otherParent],
      stores,
    );
    graph.addProcessor(`${base}-merge`, passThrough(), [`${base}-this`, `${base}-other`]);
    return this.derive<K, VO>(`${base}-merge`, keySerde, undefined, false);
  }

  private add(
    prefix: string,
    options: Named,
    supplier: ProcessorSupplier<K, V, unknown, unknown>,
  ): string {
    const graph = this.state.graph;
    return graph.addProcessor(graph.nameFor(prefix, options.name), supplier, [this.state.node]);
  }

  private derive<K2, V2>(
    node: string,
    keySerde: Serde<K2> | undefined,
    valueSerde: Serde<V2> | undefined,
    keyChanged: boolean,
  ): KStream<K2, V2> {
    return new KStream<K2, V2>({ graph: this.state.graph, node, keySerde, valueSerde, keyChanged });
  }
}

/** @internal The flags of an aggregation's store: cached unless turned off. */
export function aggregateStoreFlags(materialized: Materialized<unknown, unknown>) {
  return { ...storeFlags(materialized), cached: materialized.caching ?? true };
}

/** @internal */
export function storeFlags(materialized: Materialized<unknown, unknown>) {
  return {
    ...(materialized.persistent !== undefined ? { persistent: materialized.persistent } : {}),
    ...(materialized.logged !== undefined ? { logged: materialized.logged } : {}),
  };
}
