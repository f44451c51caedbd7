import { Stores } from "../state/stores.ts";
import type { StoreSpec, Topology } from "../topology/spec.ts";
import { GlobalKTable } from "./global-ktable.ts";
import { GraphBuilder } from "./internals/graph-builder.ts";
import { materialize } from "./internals/operators/table-ops.ts";
import { storeGetter } from "./internals/value-getter.ts";
import { KStream } from "./kstream.ts";
import { KTable } from "./ktable.ts";
import { type Consumed, type TableConsumed, toExtractor } from "./options.ts";

/**
 * Where a topology starts: sources (streams, tables, global tables) and user stores.
 * `build()` returns the Topology that the runtime or the TopologyTestDriver runs.
 *
 *   const builder = new StreamsBuilder();
 *   builder.stream("plays", { keySerde: Serdes.string(), valueSerde: playSerde }).to("plays-copy");
 *   const topology = builder.build();
 */
export class StreamsBuilder {
  private readonly graph = new GraphBuilder();

  stream<K, V>(topics: string | readonly string[], consumed: Consumed<K, V>): KStream<K, V> {
    const list = typeof topics === "string" ? [topics] : [...topics];
    const name = this.graph.nameFor("KSTREAM-SOURCE", consumed.name);
    const extractor = toExtractor(consumed.timestampExtractor);
    this.graph.addSource(name, list, consumed.keySerde, consumed.valueSerde, extractor);
    return new KStream<K, V>({
      graph: this.graph,
      node: name,
      keySerde: consumed.keySerde,
      valueSerde: consumed.valueSerde,
      keyChanged: false,
    });
  }

  /** A changelog topic read as a table, materialized in a store (`storeName`). */
  table<K, V>(topic: string, consumed: TableConsumed<K, V>): KTable<K, V> {
    const { keySerde, valueSerde } = consumed;
    const source = this.graph.nameFor("KTABLE-SOURCE", consumed.name);
    const storeName = consumed.storeName ?? `${source}-store`;
    const extractor = toExtractor(consumed.timestampExtractor);
    this.graph.addSource(`${source}-input`, [topic], keySerde, valueSerde, extractor);
    const persistent = consumed.persistent ?? false;
    this.graph.addStore(Stores.keyValue(storeName, { keySerde, valueSerde, persistent }));
    this.graph.addProcessor(
      source,
      materialize(source, storeName),
      [`${source}-input`],
      [storeName],
    );
    return new KTable<K, V>(
      { graph: this.graph, node: source, keySerde, valueSerde, keyChanged: false },
      storeGetter(storeName),
    );
  }

  /** A topic replicated in full to every task; see GlobalKTable. */
  globalTable<K, V>(topic: string, consumed: TableConsumed<K, V>): GlobalKTable<K, V> {
    const { keySerde, valueSerde } = consumed;
    const storeName = consumed.storeName ?? `${topic}-global-store`;
    // The topic is the changelog: no second one.
    const store = Stores.keyValue(storeName, {
      keySerde,
      valueSerde,
      logged: false,
      persistent: consumed.persistent ?? false,
    });
    this.graph.addGlobalTable({ topic, keySerde, valueSerde, store });
    return new GlobalKTable<K, V>(storeName, storeGetter(storeName));
  }

  /** Declares a store for Processor API code (`stream.process(supplier, [name])`). */
  addStateStore(store: StoreSpec): this {
    this.graph.addStore(store);
    return this;
  }

  build(): Topology {
    return this.graph.build();
  }
}
