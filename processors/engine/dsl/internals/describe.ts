import type { NodeSpec, Topology } from "../../topology/spec.ts";

/**
 * Kafka Streams' `describe()` layout: each sub-topology's nodes with their topics,
 * stores and edges (--> children, <-- parents), then global tables and internal topics.
 */
export function describeTopology(topology: Topology): string {
  const lines = ["Topologies:"];
  for (const sub of topology.subtopologies) {
    lines.push(`  Sub-topology: ${sub.id}`);
    const parents = new Map<string, string[]>();
    for (const node of sub.nodes) {
      if (node.kind === "sink") continue;
      for (const child of node.children)
        parents.set(child, [...(parents.get(child) ?? []), node.name]);
    }
    for (const node of sub.nodes) {
      lines.push(`    ${header(node)}`);
      if (node.kind !== "sink" && node.children.length > 0) {
        lines.push(`      --> ${node.children.join(", ")}`);
      }
      const from = parents.get(node.name);
      if (from) lines.push(`      <-- ${from.join(", ")}`);
    }
  }
  for (const table of topology.globalTables) {
    lines.push(`  Global table: ${table.topic} (store: ${table.store.name})`);
  }
  for (const topic of topology.internalTopics) {
    lines.push(
      `  Internal topic: ${topic.name} (${topic.kind}, partitions like: [${topic.partitionsLike.join(", ")}])`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function header(node: NodeSpec): string {
  if (node.kind === "source") return `Source: ${node.name} (topics: [${node.topics.join(", ")}])`;
  if (node.kind === "sink") return `Sink: ${node.name} (topic: ${node.topic})`;
  return `Processor: ${node.name} (stores: [${node.stores.join(", ")}])`;
}
