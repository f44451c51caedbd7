/**
 * What the web benchmarks share: the numbers (percentiles of a series of tries), the table
 * they print, the results file under bench/results/ (gitignored), and the demo catalog's
 * facts they need (tracks with audio, the first album, a post) read from the running app.
 *
 *   const s = summary([12, 15, 11]);          // { n, p50, p90, p99, min, max, mean }
 *   printTable(["side", "p50"], [["app", "12.0"]]);
 *   writeResults("press-play", { … });        // bench/results/web-press-play-<time>.json
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { demoAudioChoice } from "../../connect/demo/audio.ts";
import { defaultDemoSeed, generateDemoCatalog } from "../../connect/demo/index.ts";
import { webUrl } from "../../tests/browser/support/browser.ts";

export { webUrl };

const resultsDir = fileURLToPath(new URL("../results", import.meta.url));

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile (with 50 tries, p99 is the slowest try). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Of the finite values only (a try without a `playing` event leaves NaN). */
export function summary(all: number[]): Summary {
  const values = all.filter(Number.isFinite);
  const n = values.length;
  return {
    n,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    min: n ? Math.min(...values) : Number.NaN,
    max: n ? Math.max(...values) : Number.NaN,
    mean: n ? values.reduce((a, b) => a + b, 0) / n : Number.NaN,
  };
}

export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : "—");
export const ratio = (value: number, base: number) =>
  Number.isFinite(value) && Number.isFinite(base) && base > 0 ? (value / base).toFixed(2) : "—";

/** A Markdown table (pastes into the bench's README as it is). */
export function printTable(head: string[], rows: string[][]): void {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  console.log(line(head));
  console.log(line(head.map((_, i) => (i === 0 ? "---" : "---:"))));
  for (const row of rows) console.log(line(row));
}

/** The machine the figures came from: they mean little without it. */
export function machine() {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    load: loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    web: webUrl,
  };
}

export function writeResults(name: string, data: Record<string, unknown>): string {
  mkdirSync(resultsDir, { recursive: true });
  const at = new Date().toISOString();
  const file = join(resultsDir, `web-${name}-${at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench: `web/${name}`, at, machine: machine(), ...data }, null, 2)}\n`,
  );
  return file;
}

/** Reads a JSON route of the running app (the bench runs against `./vobe start`). */
export async function getJson<T>(path: string, token?: string): Promise<T> {
  const res = await fetch(`${webUrl}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function logInToken(username: string, password: string): Promise<string> {
  const res = await fetch(`${webUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ usernameOrEmail: username, password }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`login as ${username} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The demo catalog as `./vobe start` loads it (same seed): which tracks have audio. */
export function demoCatalog() {
  const catalog = generateDemoCatalog({ size: "full", seed: defaultDemoSeed });
  const audioTracks = demoAudioChoice(catalog);
  const firstAlbumId = catalog.tracks[0]?.albumId;
  if (!firstAlbumId || audioTracks.length === 0) throw new Error("the demo catalog has no tracks");
  return { firstAlbumId, audioTrackIds: audioTracks.map((t) => t.trackId) };
}

/**
 * Polls a page expression until it is truthy and answers its value. Not `waitForFunction`:
 * that evaluates its string with eval inside the page, which the app's CSP forbids; a plain
 * `evaluate` goes through the DevTools protocol. The times measured are taken in the page.
 */
export async function pollPage<T>(
  page: { evaluate(expression: string): Promise<unknown> },
  expression: string,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate(expression);
    if (value) return value as T;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
