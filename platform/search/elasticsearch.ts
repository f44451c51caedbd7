import { Client } from "@elastic/elasticsearch";
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

// The client's request types are stricter than the shared query DSL we pass through.
type Loose = never;

/**
 * Elasticsearch 8 through @elastic/elasticsearch@8 (docker-compose runs it). The native
 * stack runs OpenSearch (docs/adr/006-search-engine.md), so this adapter is exercised
 * only where an Elasticsearch server answers SEARCH_URL.
 */
export function createElasticsearchEngine(url: string): SearchEngine {
  const client = new Client({ node: url, requestTimeout: 10_000 });
  return {
    kind: "elasticsearch",
    async info() {
      const body = await guard("info", () => client.info());
      return { distribution: "elasticsearch", version: body.version.number };
    },
    async createIndex(index: string, definition: IndexDefinition) {
      await guard("create index", () =>
        client.indices.create({
          index,
          settings: definition.settings as Loose,
          mappings: definition.mappings as Loose,
        }),
      );
    },
    async deleteIndex(index: string) {
      await guard("delete index", () => client.indices.delete({ index, ignore_unavailable: true }));
    },
    async indexExists(index: string) {
      return guard("index exists", () => client.indices.exists({ index }));
    },
    async bulk(operations: readonly BulkOperation[], options = {}) {
      return bulkInChunks(operations, options.refresh ?? false, async (chunk, refresh) => {
        const body = await guard("bulk", () =>
          client.bulk(
            { operations: bulkBody(chunk) as Loose, refresh },
            { requestTimeout: bulkTimeoutMs },
          ),
        );
        return bulkResult(body as Parameters<typeof bulkResult>[0]);
      });
    },
    async search<T>(index: string, request: SearchRequest): Promise<SearchResult<T>> {
      const body = await guard("search", () =>
        client.search({ index, ...(request as Record<string, Loose>) }),
      );
      return searchResult<T>(body as Parameters<typeof searchResult>[0]);
    },
    async refresh(index: string) {
      await guard("refresh", () => client.indices.refresh({ index }));
    },
    async swapAlias(alias: string, index: string) {
      const current = await guard("get alias", async () => {
        if (!(await client.indices.existsAlias({ name: alias }))) return [];
        return Object.keys(await client.indices.getAlias({ name: alias }));
      });
      await guard("update aliases", () =>
        client.indices.updateAliases({ actions: aliasSwapActions(alias, index, current) }),
      );
    },
    async close() {
      await client.close();
    },
  };
}
