/** Writes docs/catalog/ from the catalog, and removes pages of topics that are gone. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { catalog } from "../../schemas/catalog.ts";
import { renderCatalogPages } from "./pages.ts";

export const catalogDir = resolve(fileURLToPath(new URL("../../docs/catalog", import.meta.url)));

/** Pages whose file differs from what the generator makes, and files it would not make. */
export function staleCatalogPages(dir = catalogDir): string[] {
  const pages = renderCatalogPages(catalog);
  const existing = (() => {
    try {
      return readdirSync(dir).filter((f) => f.endsWith(".md"));
    } catch {
      return [];
    }
  })();
  const stale = [...pages].filter(([name, content]) => {
    try {
      return readFileSync(join(dir, name), "utf8") !== content;
    } catch {
      return true;
    }
  });
  return [...stale.map(([name]) => name), ...existing.filter((f) => !pages.has(f))].sort();
}

export function generateCatalog(log: (line: string) => void, dir = catalogDir): void {
  const pages = renderCatalogPages(catalog);
  mkdirSync(dir, { recursive: true });
  for (const name of staleCatalogPages(dir)) {
    const content = pages.get(name);
    if (content === undefined) rmSync(join(dir, name));
    else writeFileSync(join(dir, name), content);
    log(`  ${content === undefined ? "removed" : "wrote"} docs/catalog/${name}`);
  }
  log(`docs/catalog/ is up to date (${pages.size} pages)`);
}
