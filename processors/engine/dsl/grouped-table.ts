import { Serdes } from "../serde/serdes.ts";
import { Stores } from "../state/stores.ts";
import { groupedChangeSerde } from "./internals/internal-serdes.ts";
import type { Fold } from "./internals/operators/aggregate.ts";
import { tableAggregate } from "./internals/operators/table-aggregate.ts";
import { insertRepartition } from "./internals/repartition.ts";
import type { StreamState } from "./internals/stream-state.ts";
import { storeGetter } from "./internals/value-getter.ts";
import { aggregateStoreFlags } from "./kstream.ts";
import { KTable } from "./ktable.ts";
import { type Materialized, required } from "./options.ts";

/**
 * A table re-keyed by groupBy, ready to aggregate. An update subtracts the row's old
 * value from its old group and adds the new value to its new group.
 *
 *   users.groupBy((_, u) => [u.country, u]).count({ name: "users-per-country" })
 */
export class KGroupedTable<K, V> {
  /** @internal */
  constructor(
    readonly state: StreamState<K, V>,
    readonly groupName: string | undefined,
  ) {}

  count(materialized: Materialized<K, number> = {}): KTable<K, number> {
    return this.fold<number>(
      "KTABLE-COUNT",
      (_k, _v, previous) => (previous ?? 0) + 1,
      (_k, _v, previous) => (previous ?? 0) - 1,
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.long() },
    );
  }

  reduce(
    adder: (aggregate: V, value: V) => V,
    subtractor: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
  ): KTable<K, V> {
    return this.fold<V>(
      "KTABLE-REDUCE",
      (_k, value, previous) => (previous === undefined ? value : adder(previous, value)),
      (_k, value, previous) => subtractor(previous as V, value),
      { ...materialized, valueSerde: materialized.valueSerde ?? this.state.valueSerde },
    );
  }

  aggregate<A>(
    initializer: () => A,
    adder: (key: K, value: V, aggregate: A) => A,
    subtractor: (key: K, value: V, aggregate: A) => A,
    materialized: Materialized<K, A> = {},
  ): KTable<K, A> {
    return this.fold<A>(
      "KTABLE-AGGREGATE",
      (key, value, previous) => adder(key, value, previous ?? initializer()),
      (key, value, previous) => subtractor(key, value, previous ?? initializer()),
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.json<A>() },
    );
  }

  private fold<A>(
    prefix: string,
    add: Fold<K, V, A>,
    subtract: Fold<K, V, A>,
    materialized: Materialized<K, A>,
  ): KTable<K, A> {
    const graph = this.state.graph;
    const name = graph.nameFor(prefix, materialized.name);
    const storeName = materialized.name ?? `${name}-store`;
    const keySerde = required(materialized.keySerde ?? this.state.keySerde, `${storeName} key`);
    const valueSerde = required(materialized.valueSerde, `${storeName} value`);
    const groupValueSerde = required(this.state.valueSerde, `${storeName} grouped value`);
    const source = insertRepartition(
      graph,
      this.state.node,
      this.groupName ?? storeName,
      keySerde,
      groupedChangeSerde(groupValueSerde),
    );
    graph.addStore(
      Stores.keyValue(storeName, { keySerde, valueSerde, ...aggregateStoreFlags(materialized) }),
    );
    graph.addProcessor(name, tableAggregate(storeName, add, subtract), [source], [storeName]);
    return new KTable<K, A>(
      { graph, node: name, keySerde, valueSerde, keyChanged: false },
      storeGetter(storeName),
    );
  }
}
