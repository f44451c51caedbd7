/**
 * Ships the platform's log files to the search engine (docs/adr/031-traces-and-logs.md):
 * each complete JSON line of each file becomes one document of the day's index
 * (`vobe-logs-YYYY.MM.DD`, by the line's own time). A line's document id is its file and
 * byte offset, and the offset shipped so far is saved only after the engine took the
 * batch: a crash or a restart ships a line again at most, onto the same document, so
 * nothing is lost and nothing doubled. A file that shrank was rotated or truncated: it is
 * read again from its start.
 *
 *   const shipper = createLogShipper({ engine, files, statePath });
 *   await shipper.shipOnce();        // what the files hold now
 */
import { createHash } from "node:crypto";
import { mkdir, open, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import type { BulkOperation, IndexDefinition, SearchEngine } from "../../platform/search/engine.ts";

export const defaultLogIndexPrefix = "vobe-logs-";

/** The fields searched on; the rest of a line is kept in the document as it is. */
export const logIndexDefinition: IndexDefinition = {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
  mappings: {
    // A line's other fields (an error object here, a string there) are stored, not mapped.
    dynamic: false,
    properties: {
      time: { type: "date" },
      level: { type: "integer" },
      process: { type: "keyword" },
      application: { type: "keyword" },
      requestId: { type: "keyword" },
      traceId: { type: "keyword" },
      file: { type: "keyword" },
      msg: { type: "text" },
    },
  },
};

export interface LogShipperOptions {
  engine: SearchEngine;
  /** The log files to ship (missing ones are skipped until they appear). */
  files: readonly string[];
  /** Where the shipped offsets are kept between runs. */
  statePath: string;
  indexPrefix?: string;
  /** Lines per bulk request; default 1,000. */
  batchLines?: number;
}

interface FileState {
  offset: number;
  /** Counts the times the file was read again from its start: part of the document ids. */
  generation?: number;
}

export interface ShipResult {
  shipped: number;
  indices: string[];
}

/** The day's index of a line: UTC date of its own time. */
export function dailyIndex(prefix: string, time: Date): string {
  const iso = time.toISOString();
  return `${prefix}${iso.slice(0, 4)}.${iso.slice(5, 7)}.${iso.slice(8, 10)}`;
}

/** One log line as a document; a line that is not JSON is kept as its message. */
export function logDocument(line: string, file: string): Record<string, unknown> {
  let parsed: Record<string, unknown> | undefined;
  if (line.startsWith("{")) {
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === "object" && !Array.isArray(value)) {
        parsed = value as Record<string, unknown>;
      }
    } catch {
      parsed = undefined;
    }
  }
  const document: Record<string, unknown> = parsed ?? { msg: line, level: 30 };
  const time =
    typeof document.time === "number" || typeof document.time === "string"
      ? new Date(document.time)
      : new Date(Number.NaN);
  document.time = Number.isNaN(time.getTime()) ? new Date().toISOString() : time.toISOString();
  if (typeof document.process !== "string") document.process = basename(file, ".log");
  // Older lines (Fastify's defaults) call the request id reqId.
  if (document.requestId === undefined && typeof document.reqId === "string") {
    document.requestId = document.reqId;
  }
  document.file = basename(file);
  return document;
}

export function createLogShipper(options: LogShipperOptions) {
  const prefix = options.indexPrefix ?? defaultLogIndexPrefix;
  const batchLines = options.batchLines ?? 1_000;
  const ready = new Set<string>();

  const loadState = async (): Promise<Record<string, FileState>> => {
    try {
      return JSON.parse(await readFile(options.statePath, "utf8")) as Record<string, FileState>;
    } catch {
      return {};
    }
  };
  const saveState = async (state: Record<string, FileState>) => {
    await mkdir(dirname(options.statePath), { recursive: true });
    const temporary = `${options.statePath}.tmp`;
    await writeFile(temporary, JSON.stringify(state));
    await rename(temporary, options.statePath);
  };

  const ensureIndex = async (index: string) => {
    if (ready.has(index)) return;
    if (!(await options.engine.indexExists(index))) {
      await options.engine.createIndex(index, logIndexDefinition).catch(async (error) => {
        // Another shipper made it in between.
        if (!(await options.engine.indexExists(index))) throw error;
      });
    }
    ready.add(index);
  };

  const shipFile = async (file: string, state: Record<string, FileState>, result: ShipResult) => {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return;
    }
    let offset = state[file]?.offset ?? 0;
    let generation = state[file]?.generation ?? 0;
    if (size < offset) {
      // New content at old offsets: new ids, so the lines shipped before are kept.
      offset = 0;
      generation += 1;
    }
    if (size === offset) return;
    const handle = await open(file, "r");
    try {
      while (offset < size) {
        const length = Math.min(size - offset, 4 * 1024 * 1024);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        const chunk = buffer.subarray(0, bytesRead);
        // Only complete lines: the last one may still be being written.
        const end = chunk.lastIndexOf(0x0a);
        if (end < 0) break;
        const operations: BulkOperation[] = [];
        let at = 0;
        const flush = async (upTo: number) => {
          if (operations.length > 0) {
            for (const index of new Set(operations.map((o) => o.index))) await ensureIndex(index);
            const { failures } = await options.engine.bulk(operations);
            if (failures.length > 0) {
              const first = failures[0];
              throw new Error(
                `the search engine refused ${failures.length} log lines of ${file}: ${first?.type}: ${first?.reason}`,
              );
            }
            for (const o of operations)
              if (!result.indices.includes(o.index)) result.indices.push(o.index);
            result.shipped += operations.length;
            operations.length = 0;
          }
          state[file] = { offset: offset + upTo, generation };
          await saveState(state);
        };
        while (at <= end) {
          const newline = chunk.indexOf(0x0a, at);
          const line = chunk.subarray(at, newline).toString("utf8").trim();
          const lineOffset = offset + at;
          at = newline + 1;
          if (line.length === 0) continue;
          const document = logDocument(line, file);
          operations.push({
            action: "index",
            index: dailyIndex(prefix, new Date(document.time as string)),
            id: createHash("sha1")
              .update(`${file}\u0000${generation}\u0000${lineOffset}`)
              .digest("hex"),
            document,
          });
          if (operations.length >= batchLines) await flush(at);
        }
        await flush(at);
        offset += at;
      }
    } finally {
      await handle.close();
    }
  };

  return {
    /** Ships every complete line written since the last call (or run); resolves when saved. */
    async shipOnce(): Promise<ShipResult> {
      const state = await loadState();
      const result: ShipResult = { shipped: 0, indices: [] };
      for (const file of options.files) await shipFile(file, state, result);
      return result;
    },
  };
}

export type LogShipper = ReturnType<typeof createLogShipper>;
