import pg from "pg";
import { withServiceRole } from "../config/postgres-role.ts";
import { processLog } from "../telemetry/log.ts";

/**
 * A pool for one service's database; errors on idle clients are reported, not fatal. It
 * logs in as the database's own role when the process is told to (platform/config/postgres-role.ts).
 */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: withServiceRole(connectionString), max });
  pool.on("error", (error) => {
    // The pool replaces the client by itself: the next query works or fails on its own.
    processLog().warn({ err: error }, "postgres pool: idle client error");
  });
  // A checked-out client has no error listener of the pool's: a connection lost between two
  // queries would be an unhandled 'error' event and end the process. The next query fails
  // instead, and its caller reports it. One listener per connection, made here: each user
  // adding its own piled them up on the pooled clients (a sink per view and version).
  pool.on("connect", (client) => {
    client.on("error", (error) => {
      processLog().debug({ err: error }, "postgres pool: a checked-out client lost its connection");
    });
  });
  return pool;
}

export type { Pool, PoolClient } from "pg";
