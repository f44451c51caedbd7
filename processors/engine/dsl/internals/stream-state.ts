import type { Serde } from "../../serde/api.ts";
import type { GraphBuilder } from "./graph-builder.ts";

/**
 * What a KStream or KTable handle knows while the topology is being built: the graph,
 * the node whose output it is, the serdes still valid for that output, and whether the
 * key may have changed since the last partitioning (then a stateful step repartitions).
 */
export interface StreamState<K, V> {
  readonly graph: GraphBuilder;
  readonly node: string;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
  readonly keyChanged: boolean;
}
