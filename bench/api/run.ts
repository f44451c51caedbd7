// Requests/s and latency of the read routes next to a bare Fastify route answering a
// constant, in the same run: the feed (GET /api/content/posts), a track
// (GET /api/artist/tracks/:id) and search (GET /api/search?q=…).
//
//   npx tsx bench/api/run.ts [--duration 10] [--connections 10] [--reverse]
//
// The app is built in this process (api/app.ts buildApp, the real topics and the views the
// stack's sinks keep: the demo catalog must be loaded, `vobe demo load`); the bare route is
// a plain Fastify instance in the same process. Both listen on 127.0.0.1. autocannon runs
// as a CHILD process (its own event loop, so it does not steal the server's), bounded by
// --duration seconds per run. Each route runs twice, alternating with the others
// (bare, feed, track, search, then the reverse order), after an untimed warm-up of each.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Fastify from "fastify";
import { buildApp } from "../../api/app.ts";
import { databaseUrlFor, endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createPool } from "../../platform/postgres/pool.ts";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    reverse: { type: "boolean", default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
if (!(duration > 0)) throw new Error("--duration: seconds > 0");
if (!Number.isInteger(connections) || connections <= 0) throw new Error("--connections: > 0");

const say = (line: string) => console.log(line);
const endpoints = endpointsFromEnv();
const autocannonBin = join(import.meta.dirname, "../../node_modules/autocannon/autocannon.js");

interface Result {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** autocannon in a child process; its JSON summary. */
function cannon(url: string, seconds: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [autocannonBin, "--json", "-c", String(connections), "-d", String(seconds), url],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.resume();
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out);
      resolve({
        requests: r.requests.total,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      });
    });
  });
}

say(
  `api: ${duration} s per run, ${connections} connections, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), ` +
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, Node ${process.version}, ${new Date().toISOString()}`,
);

// A real track and a word of its title, from the artist view.
const artistPool = createPool(databaseUrlFor(endpoints, "artist"), 1);
const { rows } = await artistPool
  .query<{ track_id: string; title: string }>(
    "select track_id, title from artist.tracks order by track_id limit 1",
  )
  .finally(() => artistPool.end());
const track = rows[0];
if (!track)
  throw new Error("the artist view has no tracks: load the demo catalog first (vobe demo load)");
const words = track.title.split(/\s+/);
const word = (
  words.find((w) => w.length >= 5) ??
  words.find((w) => w.length >= 4) ??
  track.title
).toLowerCase();

const app = await buildApp({ endpoints, jwtSecret: randomBytes(32).toString("hex") });
const bare = Fastify({ logger: false });
bare.get("/", async () => ({ ok: true }));
try {
  const appUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  const bareUrl = await bare.listen({ host: "127.0.0.1", port: 0 });
  const routes: Record<string, string> = {
    bare: `${bareUrl}/`,
    feed: `${appUrl}/api/content/posts`,
    track: `${appUrl}/api/artist/tracks/${track.track_id}`,
    search: `${appUrl}/api/search?q=${encodeURIComponent(word)}`,
  };
  for (const [name, url] of Object.entries(routes)) {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`${name}: ${url} answered ${res.status} ${body}`);
    say(
      `  ${name.padEnd(6)} ${url.replace(appUrl, "").replace(bareUrl, "(bare)")} → 200, ${body.length} bytes`,
    );
  }
  // Warm-up, untimed.
  for (const url of Object.values(routes)) await cannon(url, 2);

  const names = Object.keys(routes);
  const first = args.reverse ? [...names].reverse() : names;
  const order = [...first, ...[...first].reverse()];
  const runs: Array<{ name: string; order: number } & Result> = [];
  for (const [i, name] of order.entries()) {
    const r = await cannon(routes[name] as string, duration);
    runs.push({ name, order: i + 1, ...r });
    say(
      `  run ${i + 1}: ${name.padEnd(6)} ${Math.round(r.rps)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`,
    );
  }

  const of = (name: string) => runs.filter((r) => r.name === name);
  const rpsOf = (name: string) => of(name).reduce((s, r) => s + r.rps, 0) / of(name).length;
  const p99Of = (name: string) => Math.max(...of(name).map((r) => r.p99));
  const p50Of = (name: string) => of(name).reduce((s, r) => s + r.p50, 0) / of(name).length;
  const bareRps = rpsOf("bare");
  say("");
  say("| route | req/s (mean of runs) | p50 ms | p99 ms (worse run) | req/s ÷ bare | non-2xx |");
  say("| --- | ---: | ---: | ---: | ---: | ---: |");
  const label: Record<string, string> = {
    bare: "bare Fastify, constant (baseline)",
    feed: "GET /api/content/posts (feed)",
    track: "GET /api/artist/tracks/:id",
    search: `GET /api/search?q=${word}`,
  };
  for (const name of names) {
    say(
      `| ${label[name]} | ${Math.round(rpsOf(name)).toLocaleString("en-US")} | ${p50Of(name).toFixed(1)} | ${p99Of(name)} | ${(rpsOf(name) / bareRps).toFixed(3)} | ${of(name).reduce((s, r) => s + r.non2xx, 0)} |`,
    );
  }
  say("");
  say(
    `order ${order.join(", ")}; load after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await bare.close();
  await app.close();
}
