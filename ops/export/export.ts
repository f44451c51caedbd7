/**
 * Exports one topic to Hive-partitioned Parquet with DuckDB, incrementally: each
 * partition is read from the position the last export recorded (read_committed) to the
 * end it had when the run started, in chunks; a chunk's records are decoded, appended to
 * an in-memory DuckDB table and copied to one Parquet file per event date, named by the
 * chunk's offset range; then the position moves past the chunk.
 *
 * Nothing doubled, nothing lost, whatever the moment of a crash:
 * - a file is written under a temporary name, fsynced, then renamed: a reader never sees
 *   half a file;
 * - the state file moves only after the chunk's files are durable, so it never claims a
 *   record whose file is missing;
 * - files of a range at or past the recorded position (a crashed run's) are deleted before
 *   the range is read again, so they are never there twice.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { createAdmin, createFetcher, type InRecord } from "../../platform/kafka/index.ts";
import type { TopicEntry } from "../../schemas/catalog.ts";
import { type Column, metadataColumns, topicColumns } from "./columns.ts";
import { createDecoder, type Decoded } from "./decode.ts";
import {
  eventDate,
  isCommitted,
  type PartFile,
  parseDateDir,
  parsePartFileName,
  partPath,
  topicDir,
} from "./layout.ts";
import { fsyncAsync, lockTopic, readState, writeState } from "./state.ts";

export interface ExportOptions {
  brokers: string[];
  registryUrl: string;
  /** The topic's catalog entry, under the name it has on the broker (a prefixed one in tests). */
  entry: Pick<TopicEntry, "name" | "events">;
  out: string;
  /** Records per partition in one chunk (one file per event date). */
  chunkRecords?: number;
  onProgress?: (progress: { topic: string; done: bigint; total: bigint }) => void;
  /** Fault injection for the crash tests: SIGKILL itself after this many files. */
  crashAfterFiles?: number;
}

export interface ExportResult {
  topic: string;
  records: number;
  files: number;
  /** Files of a crashed run (past the recorded positions) removed before reading again. */
  removedFiles: number;
  /** Records deleted by retention before any export read them. */
  missedRecords: bigint;
  partitions: Array<{ partition: number; from: bigint; to: bigint }>;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Files of the topic's export that no committed position covers, and a crashed run's staging. */
function removeUncommitted(out: string, topic: string, positions: Map<number, bigint>): number {
  let removed = 0;
  let dates: string[];
  try {
    dates = readdirSync(topicDir(out, topic));
  } catch {
    return 0;
  }
  for (const dateDir of dates) {
    if (dateDir.startsWith(".staging-")) {
      rmSync(join(topicDir(out, topic), dateDir), { recursive: true, force: true });
      continue;
    }
    if (!parseDateDir(dateDir)) continue;
    const dir = join(topicDir(out, topic), dateDir);
    for (const name of readdirSync(dir)) {
      const part = parsePartFileName(name);
      if (part && !isCommitted(part, positions)) {
        rmSync(join(dir, name), { force: true });
        removed++;
      }
    }
  }
  return removed;
}

function valueAt(value: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = value;
  for (const name of path) {
    if (current === null || current === undefined) return null;
    current = (current as Record<string, unknown>)[name];
  }
  return current ?? null;
}

export async function exportTopic(options: ExportOptions): Promise<ExportResult> {
  const { out, entry } = options;
  const topic = entry.name;
  const chunkRecords = options.chunkRecords ?? 50_000;
  const unlock = lockTopic(out, topic);
  const admin = createAdmin({ brokers: options.brokers, clientId: "vobe-export" });
  const fetcher = createFetcher({ brokers: options.brokers, clientId: "vobe-export" });
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    const state = readState(out, topic);
    const [ends, starts] = [
      await admin.endOffsets(topic, "read_committed"),
      await admin.startOffsets(topic),
    ];
    const result: ExportResult = {
      topic,
      records: 0,
      files: 0,
      removedFiles: removeUncommitted(out, topic, state.positions),
      missedRecords: 0n,
      partitions: [],
    };
    const positions = new Map<number, bigint>();
    for (const [partition, end] of ends.entries()) {
      let from = state.positions.get(partition) ?? 0n;
      if (from > end) {
        throw new Error(
          `${topic}/${partition}: the export is at offset ${from} but the partition ends at ${end}; was the topic recreated? Export to a new --out`,
        );
      }
      const start = starts[partition] ?? 0n;
      if (from < start) {
        result.missedRecords += start - from;
        from = start;
      }
      positions.set(partition, from);
      result.partitions.push({ partition, from, to: end });
    }
    const total = result.partitions.reduce((sum, p) => sum + (p.to - p.from), 0n);
    const initial = new Map(positions);
    const progress = () =>
      options.onProgress?.({
        topic,
        total,
        done: [...positions].reduce(
          (sum, [p, at]) =>
            sum + (at < (ends[p] ?? 0n) ? at : (ends[p] ?? 0n)) - (initial.get(p) ?? 0n),
          0n,
        ),
      });
    progress();

    const columns = topicColumns(entry);
    const jsonColumns = `{${[...columns.map((c) => [c.name, c.sql]), ["__event_date", "VARCHAR"]]
      .map(([name, sql]) => `${sqlString(name as string)}: ${sqlString(sql as string)}`)
      .join(", ")}}`;
    const decoder = createDecoder(options.registryUrl, entry);

    const writeChunk = async (
      partition: number,
      from: bigint,
      next: bigint,
      records: InRecord[],
    ) => {
      if (records.length > 0) {
        await decoder.prepare(
          records.flatMap((r) => (r.value ? [decoder.schemaIdOf(r.value)] : [])),
        );
        // Rows go to DuckDB as NDJSON that read_json casts to the declared columns: one
        // native call per chunk, where an appender makes one per value (~50x slower here).
        const staging = join(topicDir(out, topic), `.staging-p${partition}`);
        rmSync(staging, { recursive: true, force: true });
        mkdirSync(staging, { recursive: true });
        const rowsFile = join(staging, "rows.ndjson");
        const dates = new Set<string>();
        const lines: string[] = [];
        for (const record of records) {
          const decoded = record.value ? decoder.decode(record.value) : null;
          const occurredAt = decoded?.value.occurredAt;
          const date = eventDate(
            typeof occurredAt === "number" ? occurredAt : Number(record.timestamp),
          );
          dates.add(date);
          lines.push(JSON.stringify(rowOf(columns, record, decoded, date)));
        }
        writeFileSync(rowsFile, `${lines.join("\n")}\n`);
        // One pass writes every date's file into a staging directory; each is then moved
        // to its partition directory under its range's name.
        const part: PartFile = { partition, from, to: next - 1n };
        const written = join(staging, "files");
        await db.run(
          `COPY (SELECT * FROM read_json(${sqlString(rowsFile)}, format = 'newline_delimited', columns = ${jsonColumns}) ORDER BY _offset) TO ${sqlString(written)} (FORMAT parquet, PARTITION_BY (__event_date), COMPRESSION zstd)`,
        );
        const moves = [...dates].sort().map((date) => {
          const dir = join(written, `__event_date=${date}`);
          const files = readdirSync(dir);
          if (files.length !== 1)
            throw new Error(`expected one file in ${dir}, found ${files.length}`);
          return { from: join(dir, files[0] as string), to: partPath(out, topic, date, part) };
        });
        // Concurrent fsyncs: the file system commits them together (one journal commit
        // for many files), where one after another each waits for its own.
        await Promise.all(moves.map((move) => fsyncAsync(move.from)));
        for (const move of moves) {
          mkdirSync(dirname(move.to), { recursive: true });
          renameSync(move.from, move.to);
        }
        await Promise.all([...new Set(moves.map((m) => dirname(m.to)))].map(fsyncAsync));
        rmSync(staging, { recursive: true, force: true });
        result.files += moves.length;
        if (options.crashAfterFiles !== undefined && result.files >= options.crashAfterFiles) {
          process.kill(process.pid, "SIGKILL");
        }
        result.records += records.length;
      }
      state.positions.set(partition, next);
      writeState(out, state);
    };

    const buffers = new Map<number, { from: bigint; records: InRecord[] }>();
    const pending = () => [...positions].filter(([p, at]) => at < (ends[p] ?? 0n)).map(([p]) => p);
    let active = pending();
    while (active.length > 0) {
      const fetched = await fetcher.fetch(
        active.map((partition) => ({ topic, partition, offset: positions.get(partition) ?? 0n })),
        { isolation: "read_committed", maxWaitMs: 200 },
      );
      for (const batch of fetched) {
        const buffer = buffers.get(batch.partition) ?? {
          from: positions.get(batch.partition) ?? 0n,
          records: [],
        };
        buffer.records.push(...batch.records);
        buffers.set(batch.partition, buffer);
        positions.set(batch.partition, batch.nextOffset);
        // Chunks of exactly `chunkRecords` (a fetch may bring many more), each ending
        // where the next record starts; the partition's last chunk ends at its end.
        while (buffer.records.length > chunkRecords) {
          const piece = buffer.records.splice(0, chunkRecords);
          const next = (buffer.records[0] as InRecord).offset;
          await writeChunk(batch.partition, buffer.from, next, piece);
          buffer.from = next;
        }
        const done = batch.nextOffset >= (ends[batch.partition] ?? 0n);
        if (done || buffer.records.length >= chunkRecords) {
          await writeChunk(batch.partition, buffer.from, batch.nextOffset, buffer.records);
          buffers.delete(batch.partition);
        }
      }
      progress();
      active = pending();
    }
    // Partitions that had nothing to read still get a position, so the state lists them all.
    for (const [partition, at] of positions) {
      if (!state.positions.has(partition)) state.positions.set(partition, at);
    }
    writeState(out, state);
    return result;
  } finally {
    db.closeSync();
    instance.closeSync();
    await Promise.allSettled([admin.close(), fetcher.close()]);
    unlock();
  }
}

/** One row as JSON: the record's metadata, then each column's value from the decoded event. */
function rowOf(
  columns: readonly Column[],
  record: InRecord,
  decoded: Decoded | null,
  date: string,
): Record<string, unknown> {
  const row: Record<string, unknown> = {
    _partition: record.partition,
    _offset: record.offset.toString(),
    _timestamp: new Date(Number(record.timestamp)).toISOString(),
    _key: record.key ? record.key.toString("utf8") : null,
    _event_type: decoded?.eventType ?? null,
    _schema_id: decoded?.schemaId ?? null,
  };
  for (let i = metadataColumns.length; i < columns.length; i++) {
    const column = columns[i] as Column;
    const value = decoded ? valueAt(decoded.value, column.path) : null;
    row[column.name] = value === null ? null : column.json(value);
  }
  row.__event_date = date;
  return row;
}
