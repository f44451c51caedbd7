/**
 * The connector definitions kept beside this file (`*.json`, versioned with the code): what
 * each copies where, never where the database is or its password. `renderConnector` adds
 * those for one deployment: the stack's analytics database, or a test's own database and
 * prefixed topics.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface ConnectorDefinition {
  name: string;
  doc: string;
  config: Record<string, string>;
}

export const definitionsDir = dirname(fileURLToPath(import.meta.url));

export function loadConnectorDefinitions(dir: string = definitionsDir): ConnectorDefinition[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const parsed = JSON.parse(readFileSync(join(dir, f), "utf8")) as ConnectorDefinition;
      if (`${parsed.name}.json` !== f) {
        throw new Error(`${f}: the connector is named ${parsed.name}; name the file after it`);
      }
      return parsed;
    });
}

export interface Deployment {
  /** jdbc:postgresql://host:port/database */
  jdbcUrl: string;
  username: string;
  /** A Connect config reference, `${file:<path>:password}`: the password stays out of the REST API. */
  passwordRef: string;
  /** Tests: read `<topicPrefix><topic>` instead of the catalog's topics. */
  topicPrefix?: string;
  /** Tests: `<name><nameSuffix>`, so a test's connectors never meet the stack's. */
  nameSuffix?: string;
}

export function renderConnector(
  definition: ConnectorDefinition,
  deployment: Deployment,
): { name: string; config: Record<string, string> } {
  const config = { ...definition.config };
  if (deployment.topicPrefix && config.topics) {
    config.topics = config.topics
      .split(",")
      .map((t) => `${deployment.topicPrefix}${t.trim()}`)
      .join(",");
  }
  config["connection.url"] = deployment.jdbcUrl;
  config["connection.username"] = deployment.username;
  config["connection.password"] = deployment.passwordRef;
  return { name: `${definition.name}${deployment.nameSuffix ?? ""}`, config };
}

/** The JDBC URL of `database` on the server of a postgres:// URL. */
export function jdbcUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  return `jdbc:postgresql://${url.hostname}:${url.port || 5432}/${database}`;
}
