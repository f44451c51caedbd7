/**
 * SQL over an export directory: an in-memory DuckDB with a view per exported topic
 * (`select * from "listening.plays"`), over the files the export's state has committed
 * only (a crashed run's leftovers are not read), with the Hive partitions as columns
 * (`event_date`) and files of older and newer schemas unioned by column name.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent } from "./columns.ts";
import { isCommitted, parseDateDir, parsePartFileName, topicDir } from "./layout.ts";
import { readState } from "./state.ts";

/** Every exported topic of `out` and its committed files. */
export function exportedFiles(out: string): Map<string, string[]> {
  const topics = new Map<string, string[]>();
  if (!existsSync(out)) return topics;
  for (const dir of readdirSync(out)) {
    if (!dir.startsWith("topic=")) continue;
    const topic = dir.slice("topic=".length);
    const { positions } = readState(out, topic);
    const files: string[] = [];
    for (const dateDir of readdirSync(topicDir(out, topic)).sort()) {
      if (!parseDateDir(dateDir)) continue;
      for (const name of readdirSync(join(topicDir(out, topic), dateDir)).sort()) {
        const part = parsePartFileName(name);
        if (part && isCommitted(part, positions))
          files.push(join(topicDir(out, topic), dateDir, name));
      }
    }
    if (files.length > 0) topics.set(topic, files);
  }
  return topics;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

export interface QueryResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
}

/** Runs one query (or several; the last one's rows are returned) over the export. */
export async function queryExports(out: string, sql: string): Promise<QueryResult> {
  const instance = await DuckDBInstance.create(":memory:");
  const db = await instance.connect();
  try {
    for (const [topic, files] of exportedFiles(out)) {
      await db.run(
        `CREATE VIEW ${quoteIdent(topic)} AS SELECT * FROM read_parquet([${files.map(sqlString).join(", ")}], hive_partitioning = true, union_by_name = true)`,
      );
    }
    const reader = await db.runAndReadAll(sql);
    return {
      columns: reader.columnNames(),
      rows: reader.getRowObjectsJson() as Array<Record<string, unknown>>,
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
