// Lighthouse (npm, in Debian's Chromium driven by playwright-core as the browser tests drive
// it) on the home, album and post pages of the running platform (`./vobe start`): the
// performance and accessibility scores (issue 10: each ≥ 90), the metrics behind the
// performance score, and the home page's initial JavaScript, gzip, beside its budget (200 KB).
//
//   npx tsx bench/web/lighthouse.ts [--runs 3] [--preset mobile|desktop]
//
// The baseline, in the same run and the same browser: a bare static page (a heading and a
// paragraph, no script) served by a plain node:http server on 127.0.0.1. Its scores are what
// this machine and this Lighthouse give a page with nothing to do, so a page's score ÷ the
// baseline's separates our pages from the machine's load (Lighthouse's simulated throttling
// scales the CPU time it observes: a busy machine lowers every score). Lighthouse's own
// benchmark index of the machine is printed too. Pages alternate within each run (baseline,
// home, album, post, then the reverse), each load cold (Lighthouse clears the storage);
// the median run of each page is reported, as Lighthouse advises.
import { createServer as createHttpServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:net";
import { parseArgs } from "node:util";
import lighthouse, { desktopConfig, type Flags, type Result, type RunnerResult } from "lighthouse";
import { chromium } from "playwright-core";
import { chromiumArgs, chromiumPath } from "../../tests/browser/support/browser.ts";
import { demoCatalog, getJson, printTable, ratio, webUrl, writeResults } from "../support/web.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    preset: { type: "string", default: "mobile" },
  },
});
const runs = Number(args.runs);
const preset = args.preset === "desktop" ? "desktop" : "mobile";
const jsBudgetBytes = 200 * 1024;
const scoreTarget = 90;

/** A port nobody listens on (Chromium's DevTools endpoint for Lighthouse). */
async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The baseline: a page with nothing to load but itself. */
async function startBaselinePage(): Promise<{ url: string; close: () => Promise<void> }> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="A bare page: the benchmark's baseline.">
<title>Baseline</title></head><body><main><h1>Baseline</h1>
<p>A static page with no script, no style sheet and no image.</p></main></body></html>`;
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Bytes the gateway sends for a URL when the browser accepts gzip only. */
function gzipBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { "accept-encoding": "gzip" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("end", () =>
        res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url}: ${res.statusCode}`)),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

interface PageRun {
  performance: number;
  accessibility: number;
  fcpMs: number;
  lcpMs: number;
  tbtMs: number;
  cls: number;
  benchmarkIndex: number;
  scripts: string[];
  failedAudits: string[];
  /** What moved (CLS): the element and its share of the score. */
  shifts: { element: string; score: number }[];
  /** Where the blocking time comes from: the main thread's long tasks and their scripts. */
  longTasks: { url: string; startMs: number; durationMs: number }[];
  /** The main thread's time by kind (script evaluation, style and layout, parse…), ms. */
  mainThread: Record<string, number>;
}

function readRun(lhr: Result): PageRun {
  const score = (id: string) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const metric = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  const requests =
    (
      lhr.audits["network-requests"]?.details as
        | { items: { url: string; resourceType?: string }[] }
        | undefined
    )?.items ?? [];
  const a11yRefs = lhr.categories.accessibility?.auditRefs ?? [];
  const shiftItems =
    (
      lhr.audits["layout-shifts"]?.details as
        | { items: { node?: { selector?: string; snippet?: string }; score: number }[] }
        | undefined
    )?.items ?? [];
  const itemsOf = <T>(id: string) =>
    ((lhr.audits[id]?.details as { items?: T[] } | undefined)?.items ?? []) as T[];
  const longTasks = itemsOf<{ url: string; startTime: number; duration: number }>("long-tasks");
  const breakdown = itemsOf<{ groupLabel?: string; group: string; duration: number }>(
    "mainthread-work-breakdown",
  );
  return {
    performance: score("performance"),
    accessibility: score("accessibility"),
    fcpMs: metric("first-contentful-paint"),
    lcpMs: metric("largest-contentful-paint"),
    tbtMs: metric("total-blocking-time"),
    cls: metric("cumulative-layout-shift"),
    benchmarkIndex: lhr.environment.benchmarkIndex,
    scripts: requests.filter((r) => r.resourceType === "Script").map((r) => r.url),
    failedAudits: a11yRefs
      .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
      .map((ref) => ref.id),
    shifts: shiftItems.map((item) => ({
      element: item.node?.selector ?? item.node?.snippet ?? "?",
      score: Number(item.score.toFixed(3)),
    })),
    longTasks: longTasks.map((t) => ({
      url: t.url,
      startMs: Math.round(t.startTime),
      durationMs: Math.round(t.duration),
    })),
    mainThread: Object.fromEntries(
      breakdown.map((b) => [b.groupLabel ?? b.group, Math.round(b.duration)]),
    ),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
};

async function main() {
  const { firstAlbumId } = demoCatalog();
  const feed = await getJson<{ items: { postId: string }[] }>("/api/content/posts?limit=1");
  const postId = feed.items[0]?.postId;
  if (!postId) throw new Error("the feed is empty: load the demo catalog (./vobe start)");
  const baseline = await startBaselinePage();
  const pages: { name: string; url: string }[] = [
    { name: "baseline (bare static page)", url: baseline.url },
    { name: "home /", url: `${webUrl}/` },
    { name: "album /albums/:id", url: `${webUrl}/albums/${firstAlbumId}` },
    { name: "post /posts/:id", url: `${webUrl}/posts/${postId}` },
  ];

  const port = await freePort();
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs, `--remote-debugging-port=${port}`],
  });
  const flags: Flags = {
    port,
    output: "json",
    logLevel: "error",
    onlyCategories: ["performance", "accessibility"],
  };
  const config = preset === "desktop" ? desktopConfig : undefined;
  /** One Lighthouse run; a failed trace (NO_NAVSTART, NO_FCP…) is run again, twice at most. */
  const audit = async (url: string, attempt = 1): Promise<RunnerResult> => {
    const result = await lighthouse(url, flags, config);
    if (!result) throw new Error(`Lighthouse gave no result for ${url}`);
    const failed = result.lhr.runtimeError;
    if (!failed) return result;
    if (attempt < 3) {
      console.log(`${url}: ${failed.code}, again`);
      return audit(url, attempt + 1);
    }
    throw new Error(`${url}: ${failed.code} ${failed.message}`);
  };
  const results = new Map<string, PageRun[]>(pages.map((p) => [p.name, []]));
  try {
    for (let run = 0; run < runs; run++) {
      const order = run % 2 === 0 ? pages : [...pages].reverse();
      for (const page of order) {
        const started = performance.now();
        const result = await audit(page.url);
        const read = readRun(result.lhr);
        results.get(page.name)?.push(read);
        console.log(
          `run ${run + 1}/${runs} ${page.name}: performance ${read.performance}, accessibility ${read.accessibility} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
      }
    }
  } finally {
    await browser.close();
    await baseline.close();
  }

  const rows: string[][] = [];
  const summaries: Record<string, unknown> = {};
  const base = results.get(pages[0]?.name ?? "") ?? [];
  const basePerf = median(base.map((r) => r.performance));
  const baseA11y = median(base.map((r) => r.accessibility));
  for (const page of pages) {
    const list = results.get(page.name) ?? [];
    const m = (pick: (r: PageRun) => number) => median(list.map(pick));
    const perf = m((r) => r.performance);
    const a11y = m((r) => r.accessibility);
    const isBase = page === pages[0];
    const verdict = (score: number) => (isBase ? "" : score >= scoreTarget ? " ✓" : " ✗");
    rows.push([
      page.name,
      `${perf}${verdict(perf)}${isBase ? "" : ` (${list.map((r) => r.performance).join(", ")})`}`,
      ratio(perf, basePerf),
      `${a11y}${verdict(a11y)}`,
      ratio(a11y, baseA11y),
      m((r) => r.fcpMs).toFixed(0),
      m((r) => r.lcpMs).toFixed(0),
      m((r) => r.tbtMs).toFixed(0),
      m((r) => r.cls).toFixed(3),
    ]);
    summaries[page.name] = { url: page.url, runs: list };
  }

  // The home page's initial JavaScript: every script its load fetched (the shell and the home
  // view's chunk), as the gateway sends it gzip-encoded.
  const homeRuns = results.get(pages[1]?.name ?? "") ?? [];
  const homeScripts = [...new Set(homeRuns.flatMap((r) => r.scripts))].filter((u) =>
    u.startsWith(webUrl),
  );
  const sizes = await Promise.all(
    homeScripts.map(async (u) => ({ url: u, gzip: await gzipBytes(u) })),
  );
  const jsGzip = sizes.reduce((sum, s) => sum + s.gzip, 0);

  console.log(
    `\nLighthouse ${preset}, ${runs} run(s) per page, median; machine benchmark index ${median(base.map((r) => r.benchmarkIndex)).toFixed(0)} (target: performance and accessibility ≥ ${scoreTarget})\n`,
  );
  printTable(
    [
      "page",
      "performance (runs)",
      "÷ baseline",
      "accessibility",
      "÷ baseline",
      "FCP ms",
      "LCP ms",
      "TBT ms",
      "CLS",
    ],
    rows,
  );
  console.log("");
  printTable(
    ["home page's initial JavaScript", "gzip KB", "÷ budget (200 KB)"],
    [
      ...sizes.map((s) => [new URL(s.url).pathname, (s.gzip / 1024).toFixed(1), ""]),
      [`total (${sizes.length} files)`, (jsGzip / 1024).toFixed(1), ratio(jsGzip, jsBudgetBytes)],
    ],
  );
  for (const page of pages.slice(1)) {
    const shifts = (results.get(page.name) ?? [])
      .flatMap((r) => r.shifts)
      .filter((x) => x.score >= 0.01);
    if (shifts.length > 0) {
      console.log(
        `${page.name}: layout shifts ${shifts.map((x) => `${x.element} ${x.score}`).join("; ")}`,
      );
    }
    // The long tasks of the page's median-TBT run: where its blocking time was spent.
    const list = results.get(page.name) ?? [];
    const typical = [...list].sort((a, b) => a.tbtMs - b.tbtMs)[Math.floor((list.length - 1) / 2)];
    if (typical && typical.longTasks.length > 0) {
      const tasks = typical.longTasks.map(
        (t) => `${t.durationMs} ms at ${t.startMs} (${t.url.replace(webUrl, "") || "?"})`,
      );
      console.log(`${page.name}: long tasks ${tasks.join("; ")}`);
    }
    const failed = [...new Set(list.flatMap((r) => r.failedAudits))];
    if (failed.length > 0)
      console.log(`${page.name}: accessibility audits not passed: ${failed.join(", ")}`);
  }
  const file = writeResults("lighthouse", {
    preset,
    runs,
    target: scoreTarget,
    pages: summaries,
    initialJavaScript: { files: sizes, gzipBytes: jsGzip, budgetBytes: jsBudgetBytes },
  });
  console.log(`\nresults: ${file}`);
}

await main();
