import pg from "pg";
import { withServiceRole } from "../config/postgres-role.ts";

/**
 * A pool for one service's database; errors on idle clients are reported, not fatal. It
 * logs in as the database's own role when the process is told to (platform/config/postgres-role.ts).
 */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: withServiceRole(connectionString), max });
  pool.on("error", (error) => {
    console.error(`postgres pool: idle client error: ${error.message}`);
  });
  return pool;
}

export type { Pool, PoolClient } from "pg";
