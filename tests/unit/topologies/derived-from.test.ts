/**
 * The catalog's `derivedFrom` is what read-your-writes follows (api/read/derived-positions.ts)
 * and what the tests wait on (tests/support/processors-caught-up.ts): it must say exactly
 * which topics each topology reads and writes. Checked against the built topologies, so
 * that a topology moved to other inputs (raw events → snapshots) cannot leave it behind.
 */
import { describe, expect, it } from "vitest";
import type { Topology } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { topologies, topologyNames } from "../../../processors/topologies/index.ts";
import { catalog } from "../../../schemas/catalog.ts";

/** The topics a topology reads and writes, its own internal topics left out. */
function topicsOf(topology: Topology) {
  const internal = new Set(topology.internalTopics.map((t) => t.name));
  const reads = new Set<string>();
  const writes = new Set<string>();
  for (const sub of topology.subtopologies) {
    for (const topic of sub.sourceTopics) if (!internal.has(topic)) reads.add(topic);
    for (const node of sub.nodes) {
      if (node.kind === "sink" && !internal.has(node.topic)) writes.add(node.topic);
    }
  }
  for (const table of topology.globalTables) reads.add(table.topic);
  return { reads, writes };
}

describe("derivedFrom in the catalog", () => {
  for (const name of topologyNames) {
    it(`says what ${name} reads and writes`, async () => {
      const definition = topologies[name];
      const serdes = await AvroSerdes.inMemory([...definition.reads, ...definition.writes]);
      const { reads, writes } = topicsOf(definition.build({ serdes }));
      const entries = catalog.filter((t) => t.derivedFrom?.topology === name);
      expect(new Set(entries.map((t) => t.name))).toEqual(writes);
      expect(new Set(entries.flatMap((t) => t.derivedFrom?.inputs ?? []))).toEqual(reads);
      // The types whose schema ids the application looks up at start are those topics'.
      expect(new Set(definition.reads.map((t) => t.topic))).toEqual(reads);
      expect(new Set(definition.writes.map((t) => t.topic))).toEqual(writes);
    });
  }

  it("reaches every raw topic a derived topic is computed from through snapshots", () => {
    const inputs = (topic: string): readonly string[] =>
      catalog.find((t) => t.name === topic)?.derivedFrom?.inputs ?? [];
    const upstream = (topic: string, seen = new Set<string>()): Set<string> => {
      for (const input of inputs(topic)) {
        if (!seen.has(input)) upstream(input, seen.add(input));
      }
      return seen;
    };
    // A raw position (a post, an artist, a comment) still reaches the views fed by these.
    expect(upstream("content.post-details")).toEqual(
      new Set([
        "content.post-snapshots",
        "content.posts",
        "artist.artist-snapshots",
        "artist.artists",
        "comment.post-comment-counts",
        "comment.comment-snapshots",
        "comment.comments",
      ]),
    );
    expect(upstream("search.track-documents")).toEqual(
      new Set([
        "artist.track-snapshots",
        "artist.tracks",
        "artist.album-snapshots",
        "artist.albums",
        "artist.artist-snapshots",
        "artist.artists",
      ]),
    );
  });
});
