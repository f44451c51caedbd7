import { Client } from "@opensearch-project/opensearch";
import type {
  BulkOperation,
  IndexDefinition,
  SearchEngine,
  SearchRequest,
  SearchResult,
} from "./engine.ts";
import {
  aliasSwapActions,
  bulkBody,
  bulkInChunks,
  bulkResult,
  bulkTimeoutMs,
  guard,
  searchResult,
} from "./wire.ts";

// The generated request types are stricter than the shared query DSL we pass through.
type Loose = never;

export function createOpenSearchEngine(url: string): SearchEngine {
  const client = new Client({ node: url, requestTimeout: 10_000 });
  return {
    kind: "opensearch",
    async info() {
      const { body } = await guard("info", () => client.info());
      return { distribution: "opensearch", version: body.version.number };
    },
    async createIndex(index: string, definition: IndexDefinition) {
      await guard("create index", () =>
        client.indices.create({ index, body: definition as Loose }),
      );
    },
    async deleteIndex(index: string) {
      await guard("delete index", () => client.indices.delete({ index, ignore_unavailable: true }));
    },
    async indexExists(index: string) {
      const { body } = await guard("index exists", () => client.indices.exists({ index }));
      return body === true;
    },
    async bulk(operations: readonly BulkOperation[], options = {}) {
      return bulkInChunks(operations, options.refresh ?? false, async (chunk, refresh) => {
        const { body } = await guard("bulk", () =>
          client.bulk(
            { body: bulkBody(chunk) as Loose, refresh },
            { requestTimeout: bulkTimeoutMs },
          ),
        );
        return bulkResult(body as Parameters<typeof bulkResult>[0]);
      });
    },
    async search<T>(index: string, request: SearchRequest): Promise<SearchResult<T>> {
      const { body } = await guard("search", () =>
        client.search({ index, body: request as Loose }),
      );
      return searchResult<T>(body as Parameters<typeof searchResult>[0]);
    },
    async refresh(index: string) {
      await guard("refresh", () => client.indices.refresh({ index }));
    },
    async swapAlias(alias: string, index: string) {
      const current = await guard("get alias", async () => {
        const exists = await client.indices.existsAlias({ name: alias });
        if (exists.body !== true) return [];
        const { body } = await client.indices.getAlias({ name: alias });
        return Object.keys(body);
      });
      await guard("update aliases", () =>
        client.indices.updateAliases({
          body: { actions: aliasSwapActions(alias, index, current) } as Loose,
        }),
      );
    },
    async close() {
      await client.close();
    },
  };
}
