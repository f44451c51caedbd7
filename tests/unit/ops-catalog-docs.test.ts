import { describe, expect, it } from "vitest";
import { exampleRecord } from "../../ops/catalog/examples.ts";
import { staleCatalogPages } from "../../ops/catalog/generate.ts";
import { renderCatalogPages } from "../../ops/catalog/pages.ts";
import { catalog } from "../../schemas/catalog.ts";

describe("the data catalog (docs/catalog/)", () => {
  it("is what `vobe catalog generate` makes from schemas/catalog.ts", () => {
    expect(staleCatalogPages()).toEqual([]);
  });

  it("has a page per topic with every field of every event type, and the index links them all", () => {
    const pages = renderCatalogPages(catalog);
    const index = pages.get("index.md") ?? "";
    for (const t of catalog) {
      const page = pages.get(`${t.name}.md`) ?? "";
      expect(index).toContain(`(${t.name}.md)`);
      for (const e of t.events) {
        expect(page).toContain(`## ${e.schema.name}`);
        for (const f of e.schema.fields) expect(page).toContain(`| \`${f.name}\` |`);
      }
      expect(page).toContain(t.restricted ? "**restricted**" : "analysts may read it");
    }
  });

  it("lists the internal topics by pattern", () => {
    const page = renderCatalogPages(catalog).get("internal-topics.md") ?? "";
    for (const kind of [
      "changelog",
      "repartition",
      "subscription",
      "dead-letter",
      "registry",
      "kafka",
    ]) {
      expect(page).toContain(`| ${kind} |`);
    }
  });

  it("example records are deterministic and have every field", () => {
    for (const e of catalog.flatMap((t) => t.events)) {
      const example = exampleRecord(e.schema);
      expect(Object.keys(example)).toEqual(e.schema.fields.map((f) => f.name));
      expect(exampleRecord(e.schema)).toEqual(example);
    }
  });
});
