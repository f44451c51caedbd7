/**
 * The web app's API types (ui/src/api/schema.d.ts) are generated from the OpenAPI document,
 * never written by hand: this fails when a route's types changed and the file was not
 * regenerated. The descriptions (JSDoc) are left out of the comparison: reworded docs do
 * not change a type, and should not fail the suite until the next regeneration.
 */
import { readFileSync } from "node:fs";
import { expect, inject, it } from "vitest";
import { apiTypes, openApiDocument, schemaFile } from "../../ui/scripts/api-types.ts";

const typesOnly = (source: string) =>
  source
    .replace(/\/\*\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .join("\n");

it("ui/src/api/schema.d.ts matches the API's OpenAPI document (else: npm run ui:api-types)", async () => {
  const generated = await apiTypes(await openApiDocument(inject("endpoints")));
  const committed = readFileSync(schemaFile, "utf8");
  expect(typesOnly(committed) === typesOnly(generated), "run npm run ui:api-types").toBe(true);
});
