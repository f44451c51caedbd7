/** Writes connect/ksqldb/*.sql from the catalog; removes the files of topics that are gone. */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { catalog } from "../../schemas/catalog.ts";
import { renderKsqlFiles } from "./generate.ts";

export const ksqlDir = resolve(fileURLToPath(new URL(".", import.meta.url)));

export function staleKsqlFiles(): string[] {
  const files = renderKsqlFiles(catalog);
  const existing = readdirSync(ksqlDir).filter((f) => f.endsWith(".sql"));
  return [
    ...[...files]
      .filter(([name, content]) => {
        try {
          return readFileSync(join(ksqlDir, name), "utf8") !== content;
        } catch {
          return true;
        }
      })
      .map(([name]) => name),
    ...existing.filter((f) => !files.has(f)),
  ].sort();
}

export function generateKsql(log: (line: string) => void): void {
  const files = renderKsqlFiles(catalog);
  for (const name of staleKsqlFiles()) {
    const content = files.get(name);
    if (content === undefined) rmSync(join(ksqlDir, name));
    else writeFileSync(join(ksqlDir, name), content);
    log(`  ${content === undefined ? "removed" : "wrote"} connect/ksqldb/${name}`);
  }
  log(`connect/ksqldb/ is up to date (${files.size} statements)`);
}
