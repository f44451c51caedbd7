import type { AnySerde, GraphBuilder } from "./graph-builder.ts";

/**
 * Routes records through the internal topic `<baseName>-repartition` so that they land
 * on the partition of their (new) key: a sink, the topic (partitioned like the inputs
 * upstream) and a source reading it, which starts a new sub-topology.
 * Returns the source node's name.
 */
export function insertRepartition(
  graph: GraphBuilder,
  parent: string,
  baseName: string,
  keySerde: AnySerde,
  valueSerde: AnySerde,
): string {
  const topic = `${baseName}-repartition`;
  graph.addInternalTopic(topic, "repartition", parent);
  graph.addSink(`${topic}-sink`, topic, keySerde, valueSerde, parent);
  return graph.addSource(`${topic}-source`, [topic], keySerde, valueSerde);
}
