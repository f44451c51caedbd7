import type { NodeSpec, StoreSpec, SubtopologySpec, Topology } from "../../topology/spec.ts";
import { describeTopology } from "./describe.ts";
import type { DraftNode, GraphBuilder } from "./graph-builder.ts";

/**
 * Cuts the graph into sub-topologies: the connected components of nodes, joined by
 * parent/child edges and by shared (non-global) stores. Internal topics are not edges
 * (a sink and the source reading its topic are separate nodes), so a repartition
 * starts a new sub-topology. Components are numbered by their oldest node: stable
 * across builds of the same code.
 */
export function assembleTopology(graph: GraphBuilder): Topology {
  const drafts = [...graph.nodes.values()].sort((a, b) => a.order - b.order);
  const parent = new Map<string, string>(drafts.map((d) => [d.name, d.name]));
  const find = (name: string): string => {
    let root = name;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    parent.set(name, root);
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    const oa = graph.node(ra).order;
    const ob = graph.node(rb).order;
    if (oa < ob) parent.set(rb, ra);
    else parent.set(ra, rb);
  };
  const storeOwner = new Map<string, string>();
  for (const draft of drafts) {
    for (const child of draft.children) union(draft.name, child);
    for (const store of draft.stores) {
      if (graph.globalStores.has(store)) continue;
      const owner = storeOwner.get(store);
      if (owner === undefined) storeOwner.set(store, draft.name);
      else union(owner, draft.name);
    }
  }

  const components = new Map<string, DraftNode[]>();
  for (const draft of drafts) {
    const root = find(draft.name);
    const list = components.get(root) ?? [];
    list.push(draft);
    components.set(root, list);
  }
  const subtopologies: SubtopologySpec[] = [...components.values()].map((members, id) => {
    const storeNames = new Set<string>();
    for (const m of members) {
      for (const s of m.stores) if (!graph.globalStores.has(s)) storeNames.add(s);
    }
    const sourceTopics = members.flatMap((m) => (m.spec.kind === "source" ? m.spec.topics : []));
    return {
      id,
      sourceTopics,
      nodes: members.map(toNodeSpec),
      stores: [...storeNames].map((s) => graph.stores.get(s) as StoreSpec),
    };
  });

  const topology: Topology = {
    subtopologies,
    globalTables: [...graph.globalTables],
    internalTopics: [...graph.internalTopics.values()],
    describe: () => describeTopology(topology),
  };
  return topology;
}

function toNodeSpec(draft: DraftNode): NodeSpec {
  const spec = draft.spec;
  if (spec.kind === "sink") return spec;
  if (spec.kind === "source") return { ...spec, children: [...draft.children] };
  return { ...spec, stores: [...draft.stores], children: [...draft.children] };
}
