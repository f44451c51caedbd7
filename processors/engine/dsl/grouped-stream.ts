import type { Serde } from "../serde/api.ts";
import { Serdes } from "../serde/serdes.ts";
import { Stores } from "../state/stores.ts";
import { type Fold, streamAggregate } from "./internals/operators/aggregate.ts";
import type { StreamState } from "./internals/stream-state.ts";
import { storeGetter } from "./internals/value-getter.ts";
import { aggregateStoreFlags, KStream } from "./kstream.ts";
import { KTable } from "./ktable.ts";
import { type Materialized, required } from "./options.ts";
import { SessionWindowedKStream, TimeWindowedKStream } from "./windowed-stream.ts";
import { SessionWindows, type TimeWindows } from "./windows.ts";

/**
 * A stream grouped by key, ready to aggregate into a table. If the key changed
 * upstream, the aggregation first repartitions through `<name>-repartition`.
 *
 *   plays.groupByKey().count({ name: "plays-per-track" })
 */
export class KGroupedStream<K, V> {
  /** @internal */
  constructor(
    readonly state: StreamState<K, V>,
    /** Names the repartition topic if there is one. */
    readonly groupName: string | undefined,
  ) {}

  count(materialized: Materialized<K, number> = {}): KTable<K, number> {
    return this.fold<number>("KSTREAM-COUNT", (_k, _v, previous) => (previous ?? 0) + 1, {
      ...materialized,
      valueSerde: materialized.valueSerde ?? Serdes.long(),
    });
  }

  reduce(
    reducer: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
  ): KTable<K, V> {
    return this.fold<V>(
      "KSTREAM-REDUCE",
      (_k, value, previous) => (previous === undefined ? value : reducer(previous, value)),
      { ...materialized, valueSerde: materialized.valueSerde ?? this.state.valueSerde },
    );
  }

  /** `valueSerde` is the aggregate's serde (defaults to JSON). */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    materialized: Materialized<K, A> = {},
  ): KTable<K, A> {
    return this.fold<A>(
      "KSTREAM-AGGREGATE",
      (key, value, previous) => aggregator(key, value, previous ?? initializer()),
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.json<A>() },
    );
  }

  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(
    windows: TimeWindows | SessionWindows,
  ): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStream(this, windows);
    return new TimeWindowedKStream(this, windows);
  }

  /**
   * @internal The node to aggregate from (after a repartition if needed) and the serdes
   * of the grouped key and value.
   */
  input(storeName: string): { parent: string; keySerde: Serde<K> } {
    const stream = new KStream(this.state);
    const keySerde = required(this.state.keySerde, `${storeName} key`);
    const parent = stream.partitionedNode(
      this.groupName ?? storeName,
      keySerde,
      this.state.valueSerde,
    );
    return { parent, keySerde };
  }

  private fold<A>(
    prefix: string,
    fold: Fold<K, V, A>,
    materialized: Materialized<K, A>,
  ): KTable<K, A> {
    const graph = this.state.graph;
    const name = graph.nameFor(prefix, materialized.name);
    const storeName = materialized.name ?? `${name}-store`;
    const { parent, keySerde } = this.input(storeName);
    const valueSerde = required(materialized.valueSerde, `${storeName} value`);
    graph.addStore(
      Stores.keyValue(storeName, { keySerde, valueSerde, ...aggregateStoreFlags(materialized) }),
    );
    graph.addProcessor(name, streamAggregate(name, storeName, fold), [parent], [storeName]);
    return new KTable<K, A>(
      { graph, node: name, keySerde, valueSerde, keyChanged: false },
      storeGetter(storeName),
    );
  }
}
