/**
 * A streams application's topology (GET /api/ops/topologies/{name}) as a drawing: topics,
 * processor nodes and state stores as boxes, each sub-topology a cluster around its nodes
 * and stores, laid out top to bottom by dagre. A topic between two sub-topologies (a
 * repartition topic) is one box, so the hand-over between them shows.
 *
 *   const drawing = layoutTopology(await api.get("/api/ops/topologies/{name}", …));
 */
import dagre from "@dagrejs/dagre";
import type { Answer } from "../../api/client.ts";

export type TopologyAnswer = Answer<"/api/ops/topologies/{name}">;
export type BoxKind = "topic" | "source" | "processor" | "sink" | "store";

export interface Box {
  id: string;
  kind: BoxKind;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Line {
  id: string;
  /** "flow": records go this way; "store": a processor reads and writes its store. */
  kind: "flow" | "store";
  points: Array<{ x: number; y: number }>;
}
export interface Drawing {
  width: number;
  height: number;
  boxes: Box[];
  lines: Line[];
  clusters: Box[];
}

const charWidth = 7;
const boxHeight = 30;
const width = (label: string) => Math.max(80, label.length * charWidth + 20);

export function layoutTopology(topology: TopologyAnswer): Drawing {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: "TB", nodesep: 20, ranksep: 34, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const kinds = new Map<string, BoxKind>();
  const labels = new Map<string, string>();
  const edgeKinds = new Map<string, Line["kind"]>();
  const add = (id: string, kind: BoxKind, label: string, parent?: string) => {
    if (kinds.has(id)) return;
    kinds.set(id, kind);
    labels.set(id, label);
    g.setNode(id, { width: width(label), height: boxHeight });
    if (parent) g.setParent(id, parent);
  };
  const edge = (from: string, to: string, kind: Line["kind"]) => {
    g.setEdge(from, to);
    edgeKinds.set(`${from}\u0000${to}`, kind);
  };
  const topic = (name: string) => {
    add(`topic:${name}`, "topic", name);
    return `topic:${name}`;
  };

  for (const sub of topology.subtopologies) {
    const cluster = `sub:${sub.id}`;
    g.setNode(cluster, { width: 0, height: 0 });
    labels.set(cluster, String(sub.id));
    const id = (name: string) => `node:${sub.id}:${name}`;
    for (const node of sub.nodes) add(id(node.name), node.kind, node.name, cluster);
    for (const store of sub.stores) add(`store:${store.name}`, "store", store.name, cluster);
    for (const node of sub.nodes) {
      if (node.kind === "source")
        for (const t of node.topics) edge(topic(t), id(node.name), "flow");
      if (node.kind === "sink") for (const t of node.topics) edge(id(node.name), topic(t), "flow");
      for (const child of node.children) edge(id(node.name), id(child), "flow");
      for (const store of node.stores) edge(id(node.name), `store:${store}`, "store");
    }
  }
  for (const table of topology.globalTables) {
    add(`store:${table.store}`, "store", table.store);
    edge(topic(table.topic), `store:${table.store}`, "flow");
  }

  dagre.layout(g);
  const boxOf = (id: string, kind: BoxKind): Box => {
    const n = g.node(id);
    return {
      id,
      kind,
      label: labels.get(id) ?? id,
      x: (n.x ?? 0) - n.width / 2,
      y: (n.y ?? 0) - n.height / 2,
      width: n.width,
      height: n.height,
    };
  };
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    boxes: [...kinds].map(([id, kind]) => boxOf(id, kind)),
    clusters: topology.subtopologies.map((s) => boxOf(`sub:${s.id}`, "processor")),
    lines: g.edges().map((e) => ({
      id: `${e.v}->${e.w}`,
      kind: edgeKinds.get(`${e.v}\u0000${e.w}`) ?? "flow",
      points: g.edge(e).points ?? [],
    })),
  };
}
