import type { Command } from "commander";
import { say } from "../output.ts";

/** `vobe catalog generate`: the analysts' data catalog (docs/catalog/) from schemas/catalog.ts. */
export function registerCatalogCommand(program: Command): void {
  const catalog = program
    .command("catalog")
    .description("the analysts' data catalog (docs/catalog/)");
  catalog
    .command("generate")
    .description(
      "write docs/catalog/ (a page per topic, the index, the internal topics) and connect/ksqldb/*.sql",
    )
    .action(async () => {
      const { generateCatalog } = await import("../../ops/catalog/generate.ts");
      const { generateKsql } = await import("../../connect/ksqldb/files.ts");
      generateCatalog(say);
      generateKsql(say);
    });
  catalog
    .command("ksqldb-apply")
    .description(
      "create the ksqlDB streams and tables of connect/ksqldb/ on the server at KSQLDB_URL (ksqldb-client)",
    )
    .action(async () => {
      const { applyKsql } = await import("../../connect/ksqldb/apply.ts");
      await applyKsql(process.env.KSQLDB_URL, say);
    });
}
