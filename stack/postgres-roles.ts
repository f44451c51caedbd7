/**
 * Postgres roles (docs/adr/020-access-control.md): one login role per service database,
 * which may read and write that database's objects and connect nowhere else, and an
 * analyst role that may only SELECT, in every service database. The stack's superuser
 * (`vobe`) stays the owner of every object: the sinks run the views' migrations and swaps
 * (DDL) with it. Idempotent: `vobe stack up` runs it on every start, so objects created
 * since (a new view version) are covered by the default privileges and by the next run.
 */
import pg from "pg";

export const analystRole = "vobe_analyst";

/**
 * Schemas no analyst may enter, made by the stack so they exist before anything lands in
 * them: `pii` holds the users' data keys (platform/pii/key-store.ts), which would open
 * the sealed personal fields of every topic.
 */
export const restrictedSchemas: Readonly<Record<string, readonly string[]>> = { auth: ["pii"] };

/** Bumped when the grants below change: a stack whose roles exist gets them again once. */
const GRANTS_VERSION = "vobe grants v2";
export const serviceRole = (database: string): string => `vobe_${database}`;

export function postgresRoles(databases: readonly string[]): string[] {
  return [...databases.map(serviceRole), analystRole];
}

/** Identifiers come from the stack's own config; quoted anyway. */
const id = (name: string) => `"${name.replaceAll('"', '""')}"`;
/** Passwords are hex (stack/secrets.ts); a literal is still escaped. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export async function provisionPostgresRoles(options: {
  /** The superuser's URL of any database on the server. */
  adminUrl: string;
  owner: string;
  databases: readonly string[];
  passwords: Record<string, string>;
  /** Grant on every existing object again, even when no role is new. */
  force?: boolean;
}): Promise<void> {
  const { adminUrl, owner, databases, passwords } = options;
  const server = new pg.Client({ connectionString: adminUrl });
  await server.connect();
  let created = false;
  try {
    // Concurrent `stack up`s (parallel test runs) would fail on concurrent catalog updates.
    await server.query("select pg_advisory_lock(20020)");
    const existing = new Set(
      (await server.query<{ rolname: string }>("select rolname from pg_roles")).rows.map(
        (r) => r.rolname,
      ),
    );
    for (const role of postgresRoles(databases)) {
      const password = passwords[role];
      if (!password) throw new Error(`no password for Postgres role ${role}`);
      const verb = existing.has(role) ? "alter" : "create";
      if (verb === "create") created = true;
      await server.query(
        `${verb} role ${id(role)} with login nosuperuser nocreatedb nocreaterole noinherit password ${literal(password)}`,
      );
    }
    // An analyst's session is read-only by default too; the grants below are what enforce it.
    await server.query(`alter role ${id(analystRole)} set default_transaction_read_only = on`);
    for (const db of databases) {
      await server.query(`revoke connect, temporary on database ${id(db)} from public`);
      // CREATE: a service makes its own schemas and tables (the API's key store does).
      await server.query(
        `grant connect, temporary, create on database ${id(db)} to ${id(serviceRole(db))}`,
      );
      await server.query(`grant connect on database ${id(db)} to ${id(analystRole)}`);
    }
    // Default privileges cover what the owner creates from now on: the objects made
    // before the roles existed are granted once, when a role is new or the grants changed.
    const { rows } = await server.query<{ note: string | null }>(
      "select shobj_description(oid, 'pg_authid') as note from pg_roles where rolname = $1",
      [analystRole],
    );
    const current = rows[0]?.note === GRANTS_VERSION && !created;
    for (const db of databases) {
      const restricted = restrictedSchemas[db] ?? [];
      if (current && !options.force && restricted.length === 0) continue;
      const url = new URL(adminUrl);
      url.pathname = `/${db}`;
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        if (!current || options.force) await grantWithin(client, owner, serviceRole(db));
        // Every time: a restricted schema dropped and made again would get the defaults.
        for (const schema of restricted) {
          await client.query(`create schema if not exists ${id(schema)}`);
          await client.query(`revoke all on schema ${id(schema)} from ${id(analystRole)}`);
          await client.query(
            `revoke all on all tables in schema ${id(schema)} from ${id(analystRole)}`,
          );
        }
      } finally {
        await client.end();
      }
    }
    if (!current) {
      await server.query(`comment on role ${id(analystRole)} is ${literal(GRANTS_VERSION)}`);
    }
  } finally {
    await server.end();
  }
}

async function grantWithin(client: pg.Client, owner: string, service: string): Promise<void> {
  const [o, sv, an] = [id(owner), id(service), id(analystRole)];
  // One round trip for every schema that exists now (tests leave many behind).
  await client.query(`do $$
    declare s text;
    begin
      for s in select quote_ident(nspname) from pg_namespace
        where nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
          and nspname not like 'pg_temp_%' and nspname not like 'pg_toast_temp_%'
      loop
        execute format('grant usage, create on schema %s to ${sv}', s);
        execute format('grant usage on schema %s to ${an}', s);
        execute format('grant select, insert, update, delete on all tables in schema %s to ${sv}', s);
        execute format('grant usage, select on all sequences in schema %s to ${sv}', s);
        execute format('grant select on all tables in schema %s to ${an}', s);
      end loop;
    end $$`);
  // Objects the owner creates later (a new view version, a new view) get the same grants.
  const forOwner = `alter default privileges for role ${o}`;
  await client.query(`${forOwner} grant usage, create on schemas to ${sv}`);
  await client.query(`${forOwner} grant usage on schemas to ${an}`);
  await client.query(`${forOwner} grant select, insert, update, delete on tables to ${sv}`);
  await client.query(`${forOwner} grant usage, select on sequences to ${sv}`);
  await client.query(`${forOwner} grant select on tables to ${an}`);
}
