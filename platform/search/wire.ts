import type { BulkItemFailure, BulkOperation, BulkResult, SearchResult } from "./engine.ts";
import { SearchUnavailableError } from "./engine.ts";

/**
 * Runs one client call; a refused connection, a time-out or a 5xx becomes a
 * SearchUnavailableError, while a 4xx (our request was wrong) stays as it is.
 */
export async function guard<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; message?: string; meta?: { statusCode?: number | null } };
    const status = e.meta?.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) throw error;
    throw new SearchUnavailableError(
      `search engine unavailable (${what}): ${e.message ?? e.name}`,
      { cause: error },
    );
  }
}

/** The bulk API's newline-delimited action/document pairs, identical for both engines. */
export function bulkBody(operations: readonly BulkOperation[]): Record<string, unknown>[] {
  const body: Record<string, unknown>[] = [];
  for (const op of operations) {
    const meta: Record<string, unknown> = { _index: op.index, _id: op.id };
    if (op.version !== undefined) {
      meta.version = op.version;
      meta.version_type = "external_gte";
    }
    if (op.action === "index") body.push({ index: meta }, op.document);
    else body.push({ delete: meta });
  }
  return body;
}

/** The most operations one bulk request carries. */
export const bulkChunkOperations = 500;
/** A bulk request's own time limit: a chunk is small, so this means "stuck", not "slow". */
export const bulkTimeoutMs = 60_000;

/**
 * A batch's operations as bulk requests of at most `bulkChunkOperations` each, sent one
 * after another (refresh with the last), their failures together. A view rebuilt from
 * offset 0 gets fetches of up to 16 MiB: one bulk of ~20,000 track documents ran past the
 * client's time limit on a loaded machine, was sent again whole, and the build never
 * moved (the index grew 150,000 deleted documents); each chunk stays well inside it.
 * The operations carry external versions, so a chunk sent again after a failure of a
 * later one changes nothing.
 */
export async function bulkInChunks(
  operations: readonly BulkOperation[],
  refresh: boolean,
  send: (chunk: readonly BulkOperation[], refresh: boolean) => Promise<BulkResult>,
): Promise<BulkResult> {
  const total: BulkResult = { took: 0, failures: [] };
  for (let first = 0; first < operations.length; first += bulkChunkOperations) {
    const chunk = operations.slice(first, first + bulkChunkOperations);
    const last = first + bulkChunkOperations >= operations.length;
    const result = await send(chunk, refresh && last);
    total.took += result.took;
    total.failures.push(...result.failures);
  }
  return total;
}

interface RawBulkItem {
  _id?: string | null;
  status: number;
  error?: { type?: string; reason?: string | null } | null;
}

interface RawBulkResponse {
  took: number;
  errors: boolean;
  items: Array<Record<string, RawBulkItem | undefined>>;
}

/**
 * A stale external version (409) is the replay protection working, and deleting a
 * missing document (404) is already the wanted state: neither is a failure.
 */
export function bulkResult(raw: RawBulkResponse): BulkResult {
  const failures: BulkItemFailure[] = [];
  if (raw.errors) {
    for (const item of raw.items) {
      const result = Object.values(item)[0];
      if (!result || result.status < 300 || result.status === 409) continue;
      if (result.status === 404 && !result.error) continue;
      failures.push({
        id: result._id ?? "",
        status: result.status,
        type: result.error?.type ?? "unknown",
        reason: result.error?.reason ?? "",
      });
    }
  }
  return { took: raw.took, failures };
}

interface RawSearchResponse {
  hits: {
    total?: number | { value: number } | null;
    hits: Array<{
      _id?: string | null;
      _score?: number | null;
      _source?: unknown;
      highlight?: Record<string, string[]> | null;
    }>;
  };
  suggest?: unknown;
  aggregations?: unknown;
}

export function searchResult<T>(raw: RawSearchResponse): SearchResult<T> {
  const total = raw.hits.total;
  const result: SearchResult<T> = {
    total: typeof total === "number" ? total : (total?.value ?? 0),
    hits: raw.hits.hits.map((hit) => {
      const mapped: SearchResult<T>["hits"][number] = {
        id: hit._id ?? "",
        score: hit._score ?? null,
        source: hit._source as T,
      };
      if (hit.highlight) mapped.highlight = hit.highlight;
      return mapped;
    }),
  };
  if (raw.suggest) result.suggest = raw.suggest as Record<string, unknown>;
  if (raw.aggregations) result.aggregations = raw.aggregations as Record<string, unknown>;
  return result;
}

/** Alias actions that move an alias onto one index, as a single atomic request. */
export function aliasSwapActions(alias: string, index: string, current: string[]) {
  return [
    ...current.filter((i) => i !== index).map((i) => ({ remove: { index: i, alias } })),
    { add: { index, alias } },
  ];
}
