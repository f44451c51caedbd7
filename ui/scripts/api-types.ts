/**
 * ui/src/api/schema.d.ts, the API's types for the web app, generated from the OpenAPI
 * document of the API as this tree builds it (buildApp in-process, not a server that may be
 * older). tests/browser/api-types.test.ts fails when the committed file is out of date.
 *
 *   npm run ui:api-types         // rewrites ui/src/api/schema.d.ts (needs the stack: ./vobe start)
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { type OpenAPI3 } from "openapi-typescript";
import { buildApp } from "../../api/app.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";

export const schemaFile = fileURLToPath(new URL("../src/api/schema.d.ts", import.meta.url));

/** The document of every service served in one process (the gateway's own view of the API). */
export async function openApiDocument(endpoints: Endpoints): Promise<OpenAPI3> {
  const app = await buildApp({ endpoints });
  try {
    return (await app.inject({ method: "GET", url: "/api/openapi.json" })).json() as OpenAPI3;
  } finally {
    await app.close();
  }
}

export async function apiTypes(document: OpenAPI3): Promise<string> {
  return openapiTS(document, { exportType: false });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { provideEndpoints } = await import("../../stack/provide.ts");
  const { endpoints } = await provideEndpoints((line) => console.log(line));
  writeFileSync(schemaFile, await apiTypes(await openApiDocument(endpoints)));
  console.log(`wrote ${schemaFile}`);
  process.exit(0);
}
