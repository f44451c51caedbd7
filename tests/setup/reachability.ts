import pg from "pg";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { answersApiVersions } from "../../stack/services/kafka.ts";

/**
 * Fails, naming the service and where it was looked for, unless every backing
 * service answers: an integration test never runs against something absent.
 */
export async function assertReachable(endpoints: Endpoints): Promise<void> {
  const problems: string[] = [];
  for (const broker of endpoints.kafkaBrokers) {
    const [host, port] = splitHostPort(broker);
    if (!(await answersApiVersions(port, host))) {
      problems.push(`Kafka does not answer at ${broker} (KAFKA_BROKERS)`);
    }
  }
  const registry = await fetch(`${endpoints.schemaRegistryUrl}/subjects`, {
    signal: AbortSignal.timeout(5000),
  }).catch((e: Error) => e);
  if (registry instanceof Error || !registry.ok) {
    problems.push(
      `Schema Registry does not answer at ${endpoints.schemaRegistryUrl} (SCHEMA_REGISTRY_URL): ${registry instanceof Error ? registry.message : registry.status}`,
    );
  }
  const client = new pg.Client({ connectionString: endpoints.databaseUrl });
  try {
    await client.connect();
    await client.query("select 1");
  } catch (error) {
    problems.push(
      `Postgres does not answer at ${redact(endpoints.databaseUrl)} (DATABASE_URL): ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
  const search = await fetch(endpoints.searchUrl, { signal: AbortSignal.timeout(5000) }).catch(
    (e: Error) => e,
  );
  if (search instanceof Error || !search.ok) {
    problems.push(
      `the search engine does not answer at ${endpoints.searchUrl} (SEARCH_URL): ${search instanceof Error ? search.message : search.status}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`integration tests need real services:\n  - ${problems.join("\n  - ")}`);
  }
}

function splitHostPort(broker: string): [string, number] {
  const at = broker.lastIndexOf(":");
  return [broker.slice(0, at), Number(broker.slice(at + 1))];
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}
