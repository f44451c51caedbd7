import pg from "pg";

/** A pool for one service's database; errors on idle clients are reported, not fatal. */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max });
  pool.on("error", (error) => {
    console.error(`postgres pool: idle client error: ${error.message}`);
  });
  return pool;
}

export type { Pool, PoolClient } from "pg";
