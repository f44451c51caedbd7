import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { stackConfig, stackPaths } from "../config.ts";
import { StackError } from "../errors.ts";
import { ensureDebianPackages, isRoot } from "../host.ts";
import { postgresRoles, provisionPostgresRoles } from "../postgres-roles.ts";
import { run, spawnDetached } from "../process.ts";
import { ensureStackSecrets } from "../secrets.ts";
import type { NativeService } from "../service.ts";
import { versions } from "../versions.ts";

const NAME = "postgres";
const { postgres: port } = stackConfig.ports;
const { user, password } = stackConfig.postgres;

let bin = "";

/** The newest server in Debian's layout (/usr/lib/postgresql/<major>/bin). */
function findServerBin(): string | undefined {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .map(Number)
    .filter((n) => Number.isInteger(n) && existsSync(join(base, String(n), "bin", "postgres")))
    .sort((a, b) => b - a);
  return majors[0] === undefined ? undefined : join(base, String(majors[0]), "bin");
}

/**
 * PostgreSQL refuses to run as root. As root we run it inside a user namespace that
 * maps our uid to an ordinary one: the server sees a normal user while its files stay
 * ours, which also works in a clone under a private (0700) temp folder where a
 * separate `postgres` user could not reach the data.
 */
async function asServerUser(): Promise<string[]> {
  if (!isRoot) return [];
  const probe = ["unshare", "--user", "--map-user=1000", "--map-group=1000"];
  try {
    await run(probe[0] as string, [...probe.slice(1), "true"]);
    return probe;
  } catch {
    throw new StackError(
      "running as root and cannot create a user namespace for PostgreSQL",
      "run the stack as an ordinary user, or allow unprivileged user namespaces",
    );
  }
}

export const postgresService: NativeService = {
  name: NAME,
  ports: [port],
  dependsOn: [],
  startupTimeoutMs: 60_000,
  // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to leave.
  stopSignal: "SIGINT",
  endpoint: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,

  async prepare(log) {
    let found = findServerBin();
    if (!found) {
      log("installing PostgreSQL from Debian's packages…");
      await ensureDebianPackages(["postgresql"], `PostgreSQL ${versions.postgresMajor}+ server`);
      found = findServerBin();
      if (!found)
        throw new StackError("PostgreSQL was installed but its server binary is not found");
    }
    bin = found;
    const dataDir = stackPaths.data(NAME);
    if (existsSync(join(dataDir, "PG_VERSION"))) return;
    log("initialising the PostgreSQL cluster…");
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(stackPaths.conf(NAME), { recursive: true });
    const pwFile = join(stackPaths.conf(NAME), "initdb-password");
    writeFileSync(pwFile, password, { mode: 0o600 });
    const wrap = await asServerUser();
    const initdb = [
      join(bin, "initdb"),
      "-D",
      dataDir,
      "-U",
      user,
      `--pwfile=${pwFile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
    ];
    const [command, ...args] = [...wrap, ...initdb];
    await run(command as string, args);
    rmSync(pwFile);
  },

  async start() {
    const wrap = await asServerUser();
    mkdirSync(stackPaths.run, { recursive: true });
    const [command, ...args] = [
      ...wrap,
      join(bin, "postgres"),
      "-D",
      stackPaths.data(NAME),
      "-p",
      String(port),
      "-k",
      stackPaths.run,
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      "-c",
      "shared_buffers=256MB",
    ];
    spawnDetached({
      command: command as string,
      args,
      logFile: stackPaths.log(NAME),
      pidFile: stackPaths.pid(NAME),
    });
  },

  async healthy() {
    const client = new pg.Client({ connectionString: postgresService.endpoint });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.query("select 1");
      return true;
    } finally {
      await client.end().catch(() => {});
    }
  },

  async provision() {
    const client = new pg.Client({ connectionString: postgresService.endpoint });
    await client.connect();
    try {
      const existing = await client.query<{ datname: string }>("select datname from pg_database");
      const have = new Set(existing.rows.map((r) => r.datname));
      for (const db of stackConfig.serviceDatabases) {
        // Identifiers come from our own config, never from input.
        if (!have.has(db)) await client.query(`create database "${db}"`);
      }
    } finally {
      await client.end();
    }
    const roles = postgresRoles(stackConfig.serviceDatabases);
    await provisionPostgresRoles({
      adminUrl: postgresService.endpoint,
      owner: user,
      databases: stackConfig.serviceDatabases,
      passwords: ensureStackSecrets({ postgres: roles }).postgres,
    });
  },
};
