// One API start, in its own process (bench/api/start-time.ts runs it): builds the app from
// the code under --root (this checkout, or an older one extracted for the baseline) on the
// prefixed topics, then sends one command whose check reads the catalog (a like of a track).
// Prints one JSON line: how long until the app was ready, and until that command was accepted.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    root: { type: "string" },
    prefix: { type: "string" },
    track: { type: "string" },
  },
});
const { root, prefix, track } = args;
if (!root || !prefix || !track) throw new Error("--root, --prefix and --track are required");

const load = (path: string) => import(pathToFileURL(join(root, path)).href);
const { buildApp } = await load("api/app.ts");
const { createAuth } = await load("api/http/auth.ts");
const { endpointsFromEnv } = await load("platform/config/endpoints.ts");
const secret = "bench-secret-for-the-start-time-0123456789";

// Tokens of accounts that do not exist are refused (docs/adr/019): register the bench's
// listener before the clock starts (the old code under --root ignores it).
const listener = "00000000-0000-4000-8000-000000000001";
{
  const { testAccounts } = await import("../../tests/support/test-accounts.ts");
  const env = endpointsFromEnv();
  const accounts = testAccounts(env.kafkaBrokers, env.schemaRegistryUrl, prefix);
  await accounts.register({ userId: listener, role: "listener" });
  await accounts.close();
}

const started = performance.now();
const app = await buildApp({
  endpoints: endpointsFromEnv(),
  topicPrefix: prefix,
  jwtSecret: secret,
});
const ready = performance.now();
const { token } = await createAuth({ secret }).issue({
  userId: listener,
  role: "listener",
  username: "bench",
});
const response = await app.inject({
  method: "PUT",
  url: `/api/listening/tracks/${track}/like`,
  headers: { authorization: `Bearer ${token}` },
});
const accepted = performance.now();
if (response.statusCode !== 202) {
  throw new Error(`the like answered ${response.statusCode}: ${response.body}`);
}
console.log(JSON.stringify({ readyMs: ready - started, firstCommandMs: accepted - started }));
await app.close();
process.exit(0);
