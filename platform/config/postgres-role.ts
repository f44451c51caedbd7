import { stackConfig } from "../../stack/config.ts";
import { serviceRole } from "../../stack/postgres-roles.ts";
import { readStackSecrets } from "../../stack/secrets.ts";

/**
 * With VOBE_POSTGRES_SERVICE_ROLES=1 (set by `vobe start` for the API, which only reads
 * views), a URL of the native stack's Postgres that logs in as the stack's superuser is
 * turned into the same URL logging in as that database's own role (stack/postgres-roles.ts):
 * a reader of the listening views cannot touch the auth database. Any other URL is kept.
 */
export function withServiceRole(url: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.VOBE_POSTGRES_SERVICE_ROLES !== "1") return url;
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  const native =
    (parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost") &&
    Number(parsed.port || 5432) === stackConfig.ports.postgres &&
    decodeURIComponent(parsed.username) === stackConfig.postgres.user;
  if (!native || !database) return url;
  const password = readStackSecrets()?.postgres[serviceRole(database)];
  if (!password) return url;
  parsed.username = serviceRole(database);
  parsed.password = password;
  return parsed.toString();
}
