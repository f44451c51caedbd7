/**
 * Applies connect/ksqldb/*.sql to the ksqlDB server at KSQLDB_URL (docker-compose.yml runs
 * one at http://localhost:8088). The native stack has none, so without KSQLDB_URL this
 * refuses and says so rather than pretending.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ksqlDir } from "./files.ts";

// A CommonJS module whose typings declare an ES default export it does not have.
const KsqldbClient = createRequire(import.meta.url)(
  "ksqldb-client",
) as typeof import("ksqldb-client").default;

export async function applyKsql(
  url: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  if (!url) {
    throw new Error(
      "no ksqlDB server is configured: set KSQLDB_URL (docker compose up ksqldb serves http://localhost:8088); the native stack runs none",
    );
  }
  const { hostname, port, protocol } = new URL(url);
  const client = new KsqldbClient({ host: `${protocol}//${hostname}`, port: Number(port || 8088) });
  await client.connect();
  try {
    for (const file of readdirSync(ksqlDir)
      .filter((f) => f.endsWith(".sql"))
      .sort()) {
      const { error } = (await client.executeStatement(
        readFileSync(join(ksqlDir, file), "utf8"),
      )) as {
        error?: unknown;
      };
      if (error) throw new Error(`${file}: ${JSON.stringify(error)}`);
      log(`  applied ${file}`);
    }
  } finally {
    await client.disconnect();
  }
}
