import type { Command } from "commander";
import { say } from "../output.ts";

/** `vobe catalog generate`: the analysts' data catalog (docs/catalog/) from schemas/catalog.ts. */
export function registerCatalogCommand(program: Command): void {
  const catalog = program
    .command("catalog")
    .description("the analysts' data catalog (docs/catalog/)");
  catalog
    .command("generate")
    .description("write docs/catalog/ (a page per topic, the index, the internal topics)")
    .action(async () => {
      const { generateCatalog } = await import("../../ops/catalog/generate.ts");
      generateCatalog(say);
    });
}
