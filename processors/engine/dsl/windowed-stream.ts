import { Serdes } from "../serde/serdes.ts";
import { windowedSerde } from "../serde/windowed-serde.ts";
import type { Windowed } from "../state/api.ts";
import { Stores } from "../state/stores.ts";
import type { KGroupedStream } from "./grouped-stream.ts";
import type { Fold } from "./internals/operators/aggregate.ts";
import { type Merger, sessionAggregate } from "./internals/operators/session-aggregate.ts";
import { windowAggregate } from "./internals/operators/window-aggregate.ts";
import type { ValueGetter } from "./internals/value-getter.ts";
import { aggregateStoreFlags } from "./kstream.ts";
import { KTable } from "./ktable.ts";
import { type Materialized, required } from "./options.ts";
import type { SessionWindows, TimeWindows } from "./windows.ts";

/** Windowed tables are not joinable by key; they are read with toStream() or suppress(). */
function noLookup<K, V>(): ValueGetter<K, V> {
  return {
    stores: [],
    open: () => () => {
      throw new Error("windowed tables cannot be joined");
    },
  };
}

/**
 * Tumbling or hopping windowed aggregations: one value per key and window.
 *
 *   plays.groupByKey().windowedBy(TimeWindows.ofSize(3_600_000).grace(60_000)).count()
 */
export class TimeWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: TimeWindows,
  ) {}

  count(materialized: Materialized<K, number> = {}): KTable<Windowed<K>, number> {
    return this.fold("KSTREAM-COUNT", (_k, _v, previous) => (previous ?? 0) + 1, {
      ...materialized,
      valueSerde: materialized.valueSerde ?? Serdes.long(),
    });
  }

  reduce(
    reducer: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
  ): KTable<Windowed<K>, V> {
    return this.fold<V>(
      "KSTREAM-REDUCE",
      (_k, value, previous) => (previous === undefined ? value : reducer(previous, value)),
      { ...materialized, valueSerde: materialized.valueSerde ?? this.grouped.state.valueSerde },
    );
  }

  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    materialized: Materialized<K, A> = {},
  ): KTable<Windowed<K>, A> {
    return this.fold<A>(
      "KSTREAM-AGGREGATE",
      (key, value, previous) => aggregator(key, value, previous ?? initializer()),
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.json<A>() },
    );
  }

  private fold<A>(
    prefix: string,
    fold: Fold<K, V, A>,
    materialized: Materialized<K, A>,
  ): KTable<Windowed<K>, A> {
    const { windows } = this;
    const graph = this.grouped.state.graph;
    const name = graph.nameFor(prefix, materialized.name);
    const storeName = materialized.name ?? `${name}-store`;
    const { parent, keySerde } = this.grouped.input(storeName);
    const valueSerde = required(materialized.valueSerde, `${storeName} value`);
    const retentionMs = Math.max(materialized.retentionMs ?? 0, windows.sizeMs + windows.graceMs);
    graph.addStore(
      Stores.window(storeName, {
        keySerde,
        valueSerde,
        retentionMs,
        windowSizeMs: windows.sizeMs,
        ...aggregateStoreFlags(materialized),
      }),
    );
    const supplier = windowAggregate(name, storeName, windows, retentionMs, fold);
    graph.addProcessor(name, supplier, [parent], [storeName]);
    return new KTable<Windowed<K>, A>(
      { graph, node: name, keySerde: windowedSerde(keySerde), valueSerde, keyChanged: false },
      noLookup(),
      {
        keySerde,
        // [start, end) is final once stream time reaches end + grace.
        closesAt: (window) => window.end + windows.graceMs,
      },
    );
  }
}

/**
 * Session aggregations: one value per key and session of activity.
 *
 *   plays.groupByKey().windowedBy(SessionWindows.withGap(30 * 60_000)).count()
 */
export class SessionWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly grouped: KGroupedStream<K, V>,
    private readonly windows: SessionWindows,
  ) {}

  count(materialized: Materialized<K, number> = {}): KTable<Windowed<K>, number> {
    return this.fold(
      "KSTREAM-COUNT",
      (_k, _v, previous) => (previous ?? 0) + 1,
      (_k, a, b) => a + b,
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.long() },
    );
  }

  reduce(
    reducer: (aggregate: V, value: V) => V,
    materialized: Materialized<K, V> = {},
  ): KTable<Windowed<K>, V> {
    return this.fold<V>(
      "KSTREAM-REDUCE",
      (_k, value, previous) => (previous === undefined ? value : reducer(previous, value)),
      (_k, a, b) => reducer(a, b),
      { ...materialized, valueSerde: materialized.valueSerde ?? this.grouped.state.valueSerde },
    );
  }

  /** `merger` combines two sessions' aggregates when a record bridges them. */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    merger: Merger<K, A>,
    materialized: Materialized<K, A> = {},
  ): KTable<Windowed<K>, A> {
    return this.fold<A>(
      "KSTREAM-AGGREGATE",
      (key, value, previous) => aggregator(key, value, previous ?? initializer()),
      merger,
      { ...materialized, valueSerde: materialized.valueSerde ?? Serdes.json<A>() },
    );
  }

  private fold<A>(
    prefix: string,
    fold: Fold<K, V, A>,
    merger: Merger<K, A>,
    materialized: Materialized<K, A>,
  ): KTable<Windowed<K>, A> {
    const { windows } = this;
    const graph = this.grouped.state.graph;
    const name = graph.nameFor(prefix, materialized.name);
    const storeName = materialized.name ?? `${name}-store`;
    const { parent, keySerde } = this.grouped.input(storeName);
    const valueSerde = required(materialized.valueSerde, `${storeName} value`);
    // A late record can bridge into a session that ended well before stream time - grace
    // (the merged session ends later), so sessions are kept twice the minimum.
    const retentionMs = Math.max(
      materialized.retentionMs ?? 0,
      2 * (windows.gapMs + windows.graceMs),
    );
    graph.addStore(
      Stores.session(storeName, {
        keySerde,
        valueSerde,
        retentionMs,
        ...aggregateStoreFlags(materialized),
      }),
    );
    const supplier = sessionAggregate(name, storeName, windows, retentionMs, fold, merger);
    graph.addProcessor(name, supplier, [parent], [storeName]);
    return new KTable<Windowed<K>, A>(
      { graph, node: name, keySerde: windowedSerde(keySerde), valueSerde, keyChanged: false },
      noLookup(),
      {
        keySerde,
        // [start, end] can still grow (or merge) while a record at end + gap is accepted,
        // i.e. until stream time passes end + gap + grace.
        closesAt: (window) => window.end + windows.gapMs + windows.graceMs + 1,
      },
    );
  }
}
