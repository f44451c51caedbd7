/**
 * A built topology as data, after Kafka Streams' `TopologyDescription`: each sub-topology's
 * nodes (sources with their topics, processors with their stores, sinks with their topic)
 * and edges, its stores with their changelogs, global tables and internal topics, every
 * topic named as it is on the broker (`<applicationId>-<name>` for the application's own).
 * The string `describe()` prints the same; this one is for tools that draw it.
 *
 *   const d = describeTopologyData(topology, "vobe-plays-per-track");
 *   d.subtopologies[0]?.nodes.find((n) => n.kind === "source")?.topics;
 */
import { changelogTopicName, internalTopicName, type StoreKind, type Topology } from "./spec.ts";

export interface TopologyNodeDescription {
  kind: "source" | "processor" | "sink";
  name: string;
  /** A source's topics, a sink's one topic; none for a processor. */
  topics: string[];
  /** Stores a processor opens. */
  stores: string[];
  /** Names of the nodes it forwards to. */
  children: string[];
}

export interface StoreDescription {
  name: string;
  kind: StoreKind;
  persistent: boolean;
  /** Its changelog topic; null when it is not logged. */
  changelog: string | null;
}

export interface TopologyDescription {
  applicationId: string;
  subtopologies: Array<{
    id: number;
    nodes: TopologyNodeDescription[];
    stores: StoreDescription[];
  }>;
  globalTables: Array<{ topic: string; store: string }>;
  internalTopics: Array<{ name: string; kind: "repartition" | "subscription" | "response" }>;
}

export function describeTopologyData(
  topology: Topology,
  applicationId: string,
): TopologyDescription {
  const internal = new Set(topology.internalTopics.map((t) => t.name));
  const onBroker = (topic: string) =>
    internal.has(topic) ? internalTopicName(applicationId, topic) : topic;
  return {
    applicationId,
    subtopologies: topology.subtopologies.map((sub) => ({
      id: sub.id,
      nodes: sub.nodes.map((node) => ({
        kind: node.kind,
        name: node.name,
        topics:
          node.kind === "source"
            ? node.topics.map(onBroker)
            : node.kind === "sink"
              ? [onBroker(node.topic)]
              : [],
        stores: node.kind === "processor" ? [...node.stores] : [],
        children: node.kind === "sink" ? [] : [...node.children],
      })),
      stores: sub.stores.map((store) => ({
        name: store.name,
        kind: store.kind,
        persistent: store.persistent,
        changelog: store.logged ? changelogTopicName(applicationId, store.name) : null,
      })),
    })),
    globalTables: topology.globalTables.map((table) => ({
      topic: table.topic,
      store: table.store.name,
    })),
    internalTopics: topology.internalTopics.map((topic) => ({
      name: internalTopicName(applicationId, topic.name),
      kind: topic.kind,
    })),
  };
}
