/**
 * The analytics database (docs/adr/035-kafka-connect.md): Kafka Connect's JDBC sink writes
 * domain topics into it, analysts query it with plain SQL. Its writer is the `vobe_connect`
 * role, which owns the tables it creates there and can reach no other database; the
 * read-only analyst role (stack/postgres-roles.ts) may SELECT every table, also the ones
 * the sink creates later (default privileges of the writer). Idempotent.
 */
import pg from "pg";
import { analystRole } from "./postgres-roles.ts";

export const analyticsDatabase = "analytics";
export const connectRole = "vobe_connect";

const id = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export async function provisionAnalyticsDatabase(options: {
  /** The superuser's URL of any database on the server. */
  adminUrl: string;
  database?: string;
  /** The writer's password (stack/secrets.ts). */
  password: string;
}): Promise<void> {
  const database = options.database ?? analyticsDatabase;
  const server = new pg.Client({ connectionString: options.adminUrl });
  await server.connect();
  try {
    // The same lock as the service roles' provisioning: concurrent catalog updates fail.
    await server.query("select pg_advisory_lock(20020)");
    const { rowCount } = await server.query("select 1 from pg_database where datname = $1", [
      database,
    ]);
    if (rowCount === 0) await server.query(`create database ${id(database)}`);
    const roles = await server.query("select rolname from pg_roles where rolname = any($1)", [
      [connectRole, analystRole],
    ]);
    const have = new Set(roles.rows.map((r: { rolname: string }) => r.rolname));
    const verb = have.has(connectRole) ? "alter" : "create";
    await server.query(
      `${verb} role ${id(connectRole)} with login nosuperuser nocreatedb nocreaterole noinherit password ${literal(options.password)}`,
    );
    await server.query(`revoke connect, temporary on database ${id(database)} from public`);
    await server.query(`grant connect on database ${id(database)} to ${id(connectRole)}`);
    // The analyst role exists once the stack provisioned its service databases.
    if (have.has(analystRole)) {
      await server.query(`grant connect on database ${id(database)} to ${id(analystRole)}`);
    }
  } finally {
    await server.end();
  }
  const url = new URL(options.adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const [writer, analyst] = [id(connectRole), id(analystRole)];
    // PostgreSQL 15 lets nobody but the owner create in `public`: the sink creates its tables.
    await client.query(`grant usage, create on schema public to ${writer}`);
    const { rowCount } = await client.query("select 1 from pg_roles where rolname = $1", [
      analystRole,
    ]);
    if (rowCount === 0) return;
    await client.query(`grant usage on schema public to ${analyst}`);
    await client.query(`grant select on all tables in schema public to ${analyst}`);
    await client.query(
      `alter default privileges for role ${writer} in schema public grant select on tables to ${analyst}`,
    );
  } finally {
    await client.end();
  }
}

/** Drops a database made for a test run (its connections first). */
export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const server = new pg.Client({ connectionString: adminUrl });
  await server.connect();
  try {
    await server.query(`drop database if exists ${id(database)} with (force)`);
  } finally {
    await server.end();
  }
}
