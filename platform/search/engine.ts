import type { SearchEngineKind } from "../config/endpoints.ts";

/**
 * The one interface the platform searches through. Queries and mappings are plain
 * query-DSL JSON shared by every engine; an adapter only moves them over the wire,
 * so OpenSearch and Elasticsearch answer the same request the same way.
 */
export interface SearchEngine {
  readonly kind: SearchEngineKind;
  info(): Promise<{ distribution: SearchEngineKind; version: string }>;
  createIndex(index: string, definition: IndexDefinition): Promise<void>;
  deleteIndex(index: string): Promise<void>;
  indexExists(index: string): Promise<boolean>;
  bulk(operations: readonly BulkOperation[], options?: { refresh?: boolean }): Promise<BulkResult>;
  search<T>(index: string, request: SearchRequest): Promise<SearchResult<T>>;
  refresh(index: string): Promise<void>;
  /** Points `alias` at `index` alone, atomically (removing it from any other index). */
  swapAlias(alias: string, index: string): Promise<void>;
  close(): Promise<void>;
}

export interface IndexDefinition {
  settings?: Record<string, unknown>;
  mappings: Record<string, unknown>;
}

export type BulkOperation =
  | {
      action: "index";
      index: string;
      id: string;
      document: Record<string, unknown>;
      /** An external version (the record's offset) so a replay never overwrites newer data. */
      version?: number;
    }
  | { action: "delete"; index: string; id: string; version?: number };

export interface BulkItemFailure {
  id: string;
  status: number;
  type: string;
  reason: string;
}

export interface BulkResult {
  took: number;
  failures: BulkItemFailure[];
}

/** The query-DSL body: query, size, from, sort, highlight, suggest, aggs… */
export type SearchRequest = Record<string, unknown>;

export interface SearchHit<T> {
  id: string;
  score: number | null;
  source: T;
  highlight?: Record<string, string[]>;
}

export interface SearchResult<T> {
  total: number;
  hits: SearchHit<T>[];
  suggest?: Record<string, unknown>;
  aggregations?: Record<string, unknown>;
}

/** The engine is down or refused the request: APIs map this to 503 with its message. */
export class SearchUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SearchUnavailableError";
  }
}
