import { describe, expect, it } from "vitest";
import type { BulkOperation } from "../../platform/search/engine.ts";
import {
  aliasSwapActions,
  bulkBody,
  bulkChunkOperations,
  bulkInChunks,
  bulkResult,
} from "../../platform/search/wire.ts";

describe("the bulk wire format shared by both engines", () => {
  it("carries the record offset as an external version", () => {
    expect(
      bulkBody([
        { action: "index", index: "tracks", id: "t1", document: { title: "x" }, version: 42 },
        { action: "delete", index: "tracks", id: "t2" },
      ]),
    ).toEqual([
      { index: { _index: "tracks", _id: "t1", version: 42, version_type: "external_gte" } },
      { title: "x" },
      { delete: { _index: "tracks", _id: "t2" } },
    ]);
  });

  it("treats stale versions and already-deleted documents as done, and reports real failures", () => {
    const result = bulkResult({
      took: 3,
      errors: true,
      items: [
        { index: { _id: "ok", status: 201 } },
        {
          index: {
            _id: "stale",
            status: 409,
            error: { type: "version_conflict_engine_exception", reason: "old" },
          },
        },
        { delete: { _id: "gone", status: 404 } },
        {
          index: {
            _id: "bad",
            status: 400,
            error: { type: "mapper_parsing_exception", reason: "failed to parse field [plays]" },
          },
        },
      ],
    });
    expect(result).toEqual({
      took: 3,
      failures: [
        {
          id: "bad",
          status: 400,
          type: "mapper_parsing_exception",
          reason: "failed to parse field [plays]",
        },
      ],
    });
  });

  it("moves an alias in one request: removes it from the old indices, adds it to the new", () => {
    expect(aliasSwapActions("tracks", "tracks-v2", ["tracks-v1", "tracks-v2"])).toEqual([
      { remove: { index: "tracks-v1", alias: "tracks" } },
      { add: { index: "tracks-v2", alias: "tracks" } },
    ]);
  });
});

describe("a batch's bulk requests", () => {
  const operations = (n: number): BulkOperation[] =>
    Array.from({ length: n }, (_, i) => ({ action: "delete", index: "tracks", id: `t${i}` }));

  it("are chunks of bounded size, in order, refreshing with the last only", async () => {
    const sent: Array<{ ids: string[]; refresh: boolean }> = [];
    const result = await bulkInChunks(
      operations(2 * bulkChunkOperations + 1),
      true,
      async (chunk, refresh) => {
        sent.push({ ids: chunk.map((o) => o.id), refresh });
        return {
          took: 1,
          failures:
            chunk.length === 1 ? [{ id: "t1000", status: 400, type: "x", reason: "y" }] : [],
        };
      },
    );
    expect(sent.map((s) => s.ids.length)).toEqual([bulkChunkOperations, bulkChunkOperations, 1]);
    expect(sent.map((s) => s.refresh)).toEqual([false, false, true]);
    expect(sent.flatMap((s) => s.ids)).toEqual(
      operations(2 * bulkChunkOperations + 1).map((o) => o.id),
    );
    expect(result).toEqual({
      took: 3,
      failures: [{ id: "t1000", status: 400, type: "x", reason: "y" }],
    });
  });

  it("stop at the first chunk the engine does not take (the sink sends the batch again)", async () => {
    let calls = 0;
    await expect(
      bulkInChunks(operations(3 * bulkChunkOperations), false, async () => {
        calls++;
        if (calls === 2) throw new Error("search engine unavailable (bulk): Request timed out");
        return { took: 1, failures: [] };
      }),
    ).rejects.toThrow(/timed out/);
    expect(calls).toBe(2);
  });
});
