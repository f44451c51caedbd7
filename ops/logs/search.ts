/**
 * Searches the shipped logs (`vobe logs`): the daily indices of every day at once, by
 * request id, trace id, process and lowest level, oldest line first, so that one
 * request or trace reads as a story.
 */
import type { SearchEngine } from "../../platform/search/engine.ts";
import { defaultLogIndexPrefix } from "./shipper.ts";

export const levels: Record<string, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export const levelName = (level: unknown): string =>
  Object.entries(levels).find(([, n]) => n === level)?.[0] ?? String(level ?? "?");

export interface LogQuery {
  requestId?: string | undefined;
  traceId?: string | undefined;
  process?: string | undefined;
  /** The lowest level shown: `warn` shows warn, error and fatal. */
  level?: string | undefined;
  /** Only lines at or after this time. */
  since?: Date | undefined;
  /** Free text in the message. */
  text?: string | undefined;
  /** Most recent lines kept; default 200. */
  limit?: number | undefined;
  indexPrefix?: string | undefined;
}

export interface LogLine {
  time: string;
  level: number;
  process: string;
  msg?: string;
  requestId?: string;
  traceId?: string;
  [field: string]: unknown;
}

export async function searchLogs(engine: SearchEngine, query: LogQuery): Promise<LogLine[]> {
  const filter: Record<string, unknown>[] = [];
  if (query.requestId) filter.push({ term: { requestId: query.requestId } });
  if (query.traceId) filter.push({ term: { traceId: query.traceId } });
  if (query.process) filter.push({ term: { process: query.process } });
  if (query.level) {
    const lowest = levels[query.level];
    if (lowest === undefined) {
      throw new Error(
        `no level "${query.level}"; the levels are ${Object.keys(levels).join(", ")}`,
      );
    }
    filter.push({ range: { level: { gte: lowest } } });
  }
  if (query.since) filter.push({ range: { time: { gte: query.since.toISOString() } } });
  const must = query.text ? [{ match: { msg: query.text } }] : [];
  const prefix = query.indexPrefix ?? defaultLogIndexPrefix;
  const result = await engine.search<LogLine>(`${prefix}*`, {
    query: { bool: { filter, must } },
    // The newest `limit`, shown oldest first.
    sort: [{ time: "desc" }],
    size: query.limit ?? 200,
  });
  return result.hits.map((h) => h.source).reverse();
}

/** One line for a person: time, level, process, ids, message. */
export function formatLogLine(line: LogLine): string {
  const ids = [
    line.requestId ? `req=${line.requestId}` : "",
    line.traceId ? `trace=${line.traceId}` : "",
    typeof line.application === "string" ? `app=${line.application}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  const err = line.err as { message?: unknown } | undefined;
  const detail = err && typeof err.message === "string" ? `: ${err.message}` : "";
  return `${line.time} ${levelName(line.level).toUpperCase().padEnd(5)} ${line.process}${ids ? ` ${ids}` : ""} ${line.msg ?? ""}${detail}`;
}
