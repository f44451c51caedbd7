/**
 * What `vobe export` does: picks the topics (domain topics only; restricted ones only when
 * asked, saying why not otherwise), exports each in turn and reports progress.
 */
import { resolve } from "node:path";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { catalog, type TopicEntry } from "../../schemas/catalog.ts";
import { stackConfig } from "../../stack/config.ts";
import { classifyTopic } from "../catalog/topic-kinds.ts";
import { type ExportResult, exportTopic } from "./export.ts";

export const defaultExportDir = (): string => resolve(stackConfig.home, "exports");

export interface RunExportOptions {
  topics: readonly string[];
  all: boolean;
  out?: string;
  allowRestricted: boolean;
  prefix: string;
  chunkRecords: number;
  bar?: {
    update(p: { done: bigint; total: bigint }): void;
    log(line: string): void;
    stop(): void;
  };
  log: (line: string) => void;
}

/** The catalog entries to export, under their names on the broker; refusals throw. */
export function selectTopics(
  options: Pick<RunExportOptions, "topics" | "all" | "allowRestricted" | "prefix">,
): TopicEntry[] {
  if (options.all && options.topics.length > 0) throw new Error("give topics or --all, not both");
  if (options.all) {
    return catalog
      .filter((t) => t.readers.includes("analysts") && (!t.restricted || options.allowRestricted))
      .map((t) => ({ ...t, name: `${options.prefix}${t.name}` }));
  }
  if (options.topics.length === 0) throw new Error("name the topics to export, or --all");
  return options.topics.map((name) => {
    const found = classifyTopic(name, { prefix: options.prefix });
    if (!found.entry) {
      throw new Error(
        found.kind === "unknown"
          ? `${name} is not a topic of the catalog (schemas/catalog.ts)${options.prefix ? ` under the prefix ${options.prefix}` : ""}`
          : `${name} is an internal topic (${found.kind}), not data: only domain topics are exported (docs/catalog/internal-topics.md)`,
      );
    }
    if (found.entry.restricted && !options.allowRestricted) {
      throw new Error(
        `${name} is restricted: ${found.entry.doc} Analysts have no read access to it; an operator who must export it passes --allow-restricted`,
      );
    }
    return { ...found.entry, name };
  });
}

export async function runExport(options: RunExportOptions): Promise<ExportResult[]> {
  const entries = selectTopics(options);
  const endpoints = endpointsFromEnv();
  const out = resolve(options.out ?? defaultExportDir());
  const crash = process.env.VOBE_EXPORT_CRASH_AFTER_FILES;
  const results: ExportResult[] = [];
  const log = (line: string) => (options.bar ? options.bar.log(line) : options.log(line));
  try {
    for (const entry of entries) {
      const result = await exportTopic({
        brokers: endpoints.kafkaBrokers,
        registryUrl: endpoints.schemaRegistryUrl,
        entry,
        out,
        chunkRecords: options.chunkRecords,
        onProgress: (p) => options.bar?.update(p),
        crashAfterFiles: crash ? Number(crash) : undefined,
      });
      results.push(result);
      log(
        `${entry.name}: ${result.records} records in ${result.files} files${result.removedFiles > 0 ? `, ${result.removedFiles} files of an interrupted export removed and written again` : ""}${result.missedRecords > 0n ? `; ${result.missedRecords} records were deleted by retention before any export read them` : ""}`,
      );
    }
  } finally {
    options.bar?.stop();
  }
  options.log(`exported to ${out}`);
  return results;
}
