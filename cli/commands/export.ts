import type { Command } from "commander";
import { say } from "../output.ts";

/**
 * `vobe export <topic>…`: domain topics to Hive-partitioned Parquet (ops/export/),
 * incrementally: a second run adds only what was written since. `vobe sql` queries them.
 */
export function registerExportCommand(program: Command): void {
  program
    .command("export")
    .description(
      "export domain topics to Parquet (topic=<t>/event_date=<day>/), decoded and typed; incremental",
    )
    .argument("[topics...]", "topics to export (default with --all: every topic analysts may read)")
    .option("--all", "every domain topic analysts may read")
    .option("--out <dir>", "where the Parquet files go (default: <stack home>/exports)")
    .option("--allow-restricted", "export restricted topics too (they hold secrets)")
    .option("--prefix <prefix>", "topic prefix of a prefixed catalog (tests)", "")
    .option("--chunk <records>", "records per partition per Parquet file (at most)", "50000")
    .option("--json", "print the result as JSON")
    .action(async (topics: string[], options: ExportCliOptions) => {
      const { runExport } = await import("../../ops/export/run.ts");
      const { progressBar } = await import("../progress.ts");
      const results = await runExport({
        topics,
        all: options.all === true,
        out: options.out,
        allowRestricted: options.allowRestricted === true,
        prefix: options.prefix,
        chunkRecords: Number(options.chunk),
        bar: options.json ? undefined : progressBar("export"),
        log: options.json ? () => {} : say,
      });
      if (options.json) {
        say(JSON.stringify(results, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2));
      }
    });
}

interface ExportCliOptions {
  all?: boolean;
  out?: string;
  allowRestricted?: boolean;
  prefix: string;
  chunk: string;
  json?: boolean;
}
