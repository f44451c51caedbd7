/**
 * The platform's consumers as the operator tools see them (ops/lag/): each music topology's
 * streams application, each version of each view, and the connectors of a Kafka Connect
 * worker when one answers. The one place that ties ops/ to the topologies, the views and
 * Connect.
 */

import { connectorStatuses, connectorTopics } from "../../connect/kafka-connect/rest.ts";
import type { Consumer } from "../../ops/lag/positions.ts";
import { databaseUrlFor, type Endpoints } from "../../platform/config/endpoints.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { applicationIdOf } from "../../processors/apps/app.ts";
import { topologies } from "../../processors/topologies/index.ts";
import { listVersions, versionSchema } from "../../sinks/engine/versions.ts";
import { selectViews } from "../../sinks/serve.ts";
import { connectRestPort } from "../../stack/services/connect.ts";

export interface PlatformConsumers {
  consumers: Consumer[];
  close(): Promise<void>;
}

/** A view whose database was never made has no versions; any other failure is an error. */
async function versionsOf(pool: Pool, base: string) {
  try {
    return await listVersions(pool, base);
  } catch (error) {
    if ((error as { code?: string }).code === "3D000") return [];
    throw error;
  }
}

export async function platformConsumers(
  endpoints: Endpoints,
  options: {
    prefix?: string;
    schemaPrefix?: string;
    retired?: boolean;
    applications?: boolean;
    /** Ask Kafka Connect for its connectors (default: yes, if a worker answers). */
    connectors?: boolean;
    /** Its REST API (default: connectUrl()). */
    connectUrl?: string;
  },
): Promise<PlatformConsumers> {
  const prefix = options.prefix ?? "";
  const applications: Consumer[] =
    options.applications === false
      ? []
      : Object.entries(topologies).map(([name, definition]) => ({
          kind: "application",
          name,
          groupId: applicationIdOf(name, prefix),
          inputs: [...new Set(definition.reads.map((t) => `${prefix}${t.topic}`))],
        }));

  const { views, engine } = await selectViews(endpoints, {});
  const pools = new Map<string, Pool>();
  const poolOf = (database: string) => {
    const known = pools.get(database);
    if (known) return known;
    const pool = createPool(databaseUrlFor(endpoints, database), 2);
    pools.set(database, pool);
    return pool;
  };
  const versions: Consumer[] = [];
  try {
    for (const view of views) {
      const base = `${options.schemaPrefix ?? ""}${view.name}`;
      const pool = poolOf(view.database);
      for (const v of await versionsOf(pool, base)) {
        // A retired version is never read again; shown "behind forever", it only misleads.
        if (v.state === "retired" && !options.retired) continue;
        versions.push({
          kind: "view",
          name: view.name,
          version: v.version,
          state: v.state,
          schema: versionSchema(base, v.version),
          pool,
          topics: [...new Set(view.events.map((e) => `${prefix}${e.topic}`))],
        });
      }
    }
  } finally {
    await engine?.close();
  }
  const connectors =
    options.connectors === false
      ? []
      : await connectorConsumers(options.connectUrl ?? connectUrl(), prefix);
  return {
    consumers: [...applications, ...versions, ...connectors],
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}

/** Where Kafka Connect's REST API is: VOBE_CONNECT_URL, else the native stack's worker. */
export function connectUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.VOBE_CONNECT_URL || `http://127.0.0.1:${connectRestPort(env)}`;
}

/**
 * The running worker's connectors, each as the consumer group its sink tasks commit to.
 * Connect is opt-in (`vobe connect up`): no worker answering means no connectors, not an
 * error. With a prefix, only connectors reading prefixed topics (a test's own).
 */
async function connectorConsumers(base: string, prefix: string): Promise<Consumer[]> {
  const statuses = await connectorStatuses(base).catch(() => undefined);
  if (!statuses) return [];
  const connectors = await connectorTopics(base, statuses);
  return connectors
    .filter((c) => c.topics.length > 0 && c.topics.every((t) => t.startsWith(prefix)))
    .map((c) => ({
      kind: "connector",
      name: c.name,
      groupId: `connect-${c.name}`,
      inputs: c.topics,
    }));
}
