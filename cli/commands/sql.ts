import type { Command } from "commander";
import { say } from "../output.ts";

/** `vobe sql "<query>"`: DuckDB over the exports, a view per topic (`select * from "listening.plays"`). */
export function registerSqlCommand(program: Command): void {
  program
    .command("sql")
    .description('run DuckDB SQL over the Parquet exports (a view per topic: "listening.plays")')
    .argument("<query>", 'the SQL; quote topic names: select count(*) from "listening.plays"')
    .option("--out <dir>", "the export directory (default: <stack home>/exports)")
    .option("--json", "print the rows as JSON")
    .action(async (query: string, options: { out?: string; json?: boolean }) => {
      const { defaultExportDir } = await import("../../ops/export/run.ts");
      const { queryExports } = await import("../../ops/export/query.ts");
      const result = await queryExports(options.out ?? defaultExportDir(), query);
      if (options.json) {
        say(JSON.stringify(result.rows, null, 2));
        return;
      }
      const { default: Table } = await import("cli-table3");
      const table = new Table({
        head: result.columns,
        style: { head: [], border: [], compact: true },
      });
      for (const row of result.rows) {
        table.push(
          result.columns.map((c) => {
            const v = row[c];
            return v === null || v === undefined
              ? ""
              : typeof v === "object"
                ? JSON.stringify(v)
                : String(v);
          }),
        );
      }
      say(table.toString());
      say(`${result.rows.length} row${result.rows.length === 1 ? "" : "s"}`);
    });
}
