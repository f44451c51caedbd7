import type { Endpoints, SearchEngineKind } from "../config/endpoints.ts";
import { createElasticsearchEngine } from "./elasticsearch.ts";
import type { SearchEngine } from "./engine.ts";
import { SearchUnavailableError } from "./engine.ts";
import { createOpenSearchEngine } from "./opensearch.ts";

/** Asks the server at `url` what it is: OpenSearch says so in version.distribution. */
export async function detectSearchEngine(url: string): Promise<SearchEngineKind> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new SearchUnavailableError(`no search engine answers at ${url}`, { cause: error });
  }
  const body = (await response.json()) as { version?: { distribution?: string } };
  return body.version?.distribution === "opensearch" ? "opensearch" : "elasticsearch";
}

export async function connectSearch(endpoints: Endpoints): Promise<SearchEngine> {
  const kind = endpoints.searchEngine ?? (await detectSearchEngine(endpoints.searchUrl));
  return kind === "opensearch"
    ? createOpenSearchEngine(endpoints.searchUrl)
    : createElasticsearchEngine(endpoints.searchUrl);
}
