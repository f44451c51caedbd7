/**
 * The platform's consumers as the operator tools see them (ops/lag/): each music topology's
 * streams application and each version of each view. The one place that ties ops/ to the
 * topologies and the views.
 */

import type { Consumer } from "../../ops/lag/positions.ts";
import { databaseUrlFor, type Endpoints } from "../../platform/config/endpoints.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { applicationIdOf } from "../../processors/apps/app.ts";
import { topologies } from "../../processors/topologies/index.ts";
import { listVersions, versionSchema } from "../../sinks/engine/versions.ts";
import { selectViews } from "../../sinks/serve.ts";

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
  options: { prefix?: string; schemaPrefix?: string; retired?: boolean; applications?: boolean },
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
  return {
    consumers: [...applications, ...versions],
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}
