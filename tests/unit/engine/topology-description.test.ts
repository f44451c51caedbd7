import { describe, expect, it } from "vitest";
import { describeApplication, listApplications } from "../../../processors/apps/describe.ts";
import { describeTopologyData, Serdes, StreamsBuilder } from "../../../processors/engine/index.ts";

const str = Serdes.string();

/** A count by a new key: two sub-topologies joined by a repartition topic, one logged store. */
function countByTrack() {
  const b = new StreamsBuilder();
  b.stream<string, string>("plays", { keySerde: str, valueSerde: str })
    .selectKey((_user, track) => track)
    .groupByKey({ keySerde: str })
    .count({ name: "plays-per-track" })
    .toStream()
    .to("track-counts", { valueSerde: Serdes.long() });
  return b.build();
}

describe("a topology described as data", () => {
  it("names every topic as it is on the broker, internal ones under the application id", () => {
    const d = describeTopologyData(countByTrack(), "app");
    expect(d.internalTopics).toEqual([
      { name: "app-plays-per-track-repartition", kind: "repartition" },
    ]);
    expect(d.subtopologies.map((s) => s.id)).toEqual([0, 1]);
    const [first, second] = d.subtopologies;
    const sources = (s: typeof first) =>
      s?.nodes.filter((n) => n.kind === "source").flatMap((n) => n.topics);
    const sinks = (s: typeof first) =>
      s?.nodes.filter((n) => n.kind === "sink").flatMap((n) => n.topics);
    expect(sources(first)).toEqual(["plays"]);
    expect(sinks(first)).toEqual(["app-plays-per-track-repartition"]);
    expect(sources(second)).toEqual(["app-plays-per-track-repartition"]);
    expect(sinks(second)).toEqual(["track-counts"]);
    expect(second?.stores).toEqual([
      expect.objectContaining({
        name: "plays-per-track",
        changelog: "app-plays-per-track-changelog",
      }),
    ]);
    const counter = second?.nodes.find((n) => n.stores.includes("plays-per-track"));
    expect(counter?.kind).toBe("processor");
  });

  it("keeps every edge of the string describe(): each child is a node of the same sub-topology", () => {
    const topology = countByTrack();
    const d = describeTopologyData(topology, "app");
    for (const sub of d.subtopologies) {
      const names = new Set(sub.nodes.map((n) => n.name));
      for (const node of sub.nodes) {
        for (const child of node.children) {
          expect(names.has(child)).toBe(true);
          expect(topology.describe()).toContain(`--> ${child}`);
        }
      }
    }
  });
});

describe("the streams applications described", () => {
  it("describes every music topology without a registry, each reading and writing a topic", async () => {
    const apps = listApplications();
    expect(apps.map((a) => a.applicationId)).toContain("vobe-plays-per-track");
    for (const app of apps) {
      const d = await describeApplication(app.name);
      expect(d?.applicationId).toBe(app.applicationId);
      const nodes = d?.subtopologies.flatMap((s) => s.nodes) ?? [];
      expect(nodes.some((n) => n.kind === "source" && n.topics.length > 0)).toBe(true);
      expect(nodes.some((n) => n.kind === "sink")).toBe(true);
    }
  });

  it("prefixes topics and application ids for a prefixed catalog, and knows no other name", async () => {
    const d = await describeApplication("plays-per-track", "t1-");
    expect(d?.applicationId).toBe("t1-vobe-plays-per-track");
    const topics = d?.subtopologies.flatMap((s) => s.nodes.flatMap((n) => n.topics)) ?? [];
    expect(topics).toContain("t1-listening.plays");
    expect(await describeApplication("no-such-app")).toBeNull();
    expect(await describeApplication("constructor")).toBeNull();
  });
});
