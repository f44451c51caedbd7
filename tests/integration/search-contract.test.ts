import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectSearch } from "../../platform/search/connect.ts";
import { createElasticsearchEngine } from "../../platform/search/elasticsearch.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import { SearchUnavailableError } from "../../platform/search/engine.ts";
import { createOpenSearchEngine } from "../../platform/search/opensearch.ts";
import { uniqueName } from "../support/kafka.ts";
import { smokeTrackIndex, trackSearch } from "../support/search-fixtures.ts";

/**
 * The contract every search adapter keeps, run against whichever engine answers
 * SEARCH_URL (OpenSearch on the native stack, Elasticsearch under docker-compose).
 */
describe("the search engine contract", () => {
  let engine: SearchEngine;
  const index = uniqueName("tracks").replaceAll(".", "-");
  const alias = `${index}-live`;

  beforeAll(async () => {
    engine = await connectSearch(inject("endpoints"));
    await engine.createIndex(index, smokeTrackIndex);
  });
  afterAll(async () => {
    await engine.deleteIndex(index);
    await engine.deleteIndex(`${index}-v2`);
    await engine.close();
  });

  it("says which engine and version it is", async () => {
    const info = await engine.info();
    expect(info.distribution).toBe(engine.kind);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("indexes documents in bulk and finds them with highlights", async () => {
    const result = await engine.bulk(
      [
        {
          action: "index",
          index,
          id: "t1",
          document: { title: "Blue in Green", artist: "Miles Davis", plays: 10 },
          version: 1,
        },
        {
          action: "index",
          index,
          id: "t2",
          document: { title: "Green Onions", artist: "Booker T.", plays: 5 },
          version: 1,
        },
        {
          action: "index",
          index,
          id: "t3",
          document: { title: "So What", artist: "Miles Davis", plays: 20 },
          version: 1,
        },
      ],
      { refresh: true },
    );
    expect(result.failures).toEqual([]);
    const found = await engine.search<{ title: string }>(index, trackSearch("green"));
    expect(found.total).toBe(2);
    expect(found.hits.map((h) => h.id).sort()).toEqual(["t1", "t2"]);
    expect(found.hits[0]?.highlight?.title?.[0]).toContain("<em>");
  });

  it("never lets an older version overwrite a newer one (replays are harmless)", async () => {
    await engine.bulk(
      [
        {
          action: "index",
          index,
          id: "t3",
          document: { title: "So What (live)", artist: "Miles Davis", plays: 21 },
          version: 5,
        },
      ],
      { refresh: true },
    );
    const stale = await engine.bulk(
      [
        {
          action: "index",
          index,
          id: "t3",
          document: { title: "So What", artist: "Miles Davis", plays: 20 },
          version: 2,
        },
      ],
      { refresh: true },
    );
    expect(stale.failures).toEqual([]);
    const found = await engine.search<{ title: string }>(index, {
      query: { ids: { values: ["t3"] } },
    });
    expect(found.hits[0]?.source.title).toBe("So What (live)");
  });

  it("deletes by id, and deleting a missing document is not a failure", async () => {
    const result = await engine.bulk(
      [
        { action: "delete", index, id: "t2", version: 7 },
        { action: "delete", index, id: "never-existed", version: 7 },
      ],
      { refresh: true },
    );
    expect(result.failures).toEqual([]);
    const found = await engine.search(index, trackSearch("onions"));
    expect(found.total).toBe(0);
  });

  it("reports a document the mapping refuses as a failure with its reason", async () => {
    const result = await engine.bulk(
      [
        {
          action: "index",
          index,
          id: "bad",
          document: { title: "x", artist: "y", plays: "not a number" },
        },
      ],
      { refresh: true },
    );
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.id).toBe("bad");
    expect(result.failures[0]?.reason).toMatch(/plays/);
  });

  it("moves an alias from one index version to the next atomically", async () => {
    await engine.swapAlias(alias, index);
    expect((await engine.search(alias, trackSearch("davis"))).total).toBe(2);
    await engine.createIndex(`${index}-v2`, smokeTrackIndex);
    await engine.bulk(
      [
        {
          action: "index",
          index: `${index}-v2`,
          id: "n1",
          document: { title: "Naima", artist: "John Coltrane", plays: 1 },
        },
      ],
      { refresh: true },
    );
    await engine.swapAlias(alias, `${index}-v2`);
    const found = await engine.search(alias, { query: { match_all: {} } });
    expect(found.hits.map((h) => h.id)).toEqual(["n1"]);
  });

  it("answers with SearchUnavailableError when no engine is there", async () => {
    const absent =
      engine.kind === "opensearch"
        ? createOpenSearchEngine("http://127.0.0.1:1")
        : createElasticsearchEngine("http://127.0.0.1:1");
    await expect(absent.search(index, trackSearch("green"))).rejects.toBeInstanceOf(
      SearchUnavailableError,
    );
    await absent.close();
  });
});
