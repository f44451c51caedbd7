/**
 * The web app's API types (ui/src/api/schema.d.ts) are generated from the OpenAPI document,
 * never written by hand: this fails when a route changed and the file was not regenerated.
 */
import { readFileSync } from "node:fs";
import { expect, inject, it } from "vitest";
import { apiTypes, openApiDocument, schemaFile } from "../../ui/scripts/api-types.ts";

it("ui/src/api/schema.d.ts matches the API's OpenAPI document (else: npm run ui:api-types)", async () => {
  const generated = await apiTypes(await openApiDocument(inject("endpoints")));
  expect(readFileSync(schemaFile, "utf8") === generated, "run npm run ui:api-types").toBe(true);
});
