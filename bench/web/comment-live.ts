// From posting a comment in one browser page to seeing it in a second open page (the live
// stream), in Debian's Chromium driven by playwright-core as the browser tests drive it,
// against the running platform (`./vobe start`), p50/p99 over `--tries` tries (issue 10: 50).
//
//   npx tsx bench/web/comment-live.ts [--tries 50]
//
// Three paths per try, in an order that alternates from try to try:
//
// - browser: page A (signed in as the demo admin) and page B (signed out, another browser
//   context) have the same post open. A click on "Comment" in A → the comment's text is in
//   B's DOM (a MutationObserver; B got it over its EventSource). Also: → the text is in A's
//   own list (read your writes: the list read again with the 202's position as `after=`).
//   Both pages read the same wall clock (Date.now(), 1 ms): each page's performance.now()
//   starts at its own origin, and two renderer processes may disagree on it.
// - API (the baseline): the same gateway without a browser: this process POSTs a comment
//   with the admin's token and reads the post's live stream
//   (`GET /api/live/posts/:postId/comments`, SSE) over HTTP: send → the event arrives.
// - broker: the broker's own produce → consume of one 300-byte record (a raw producer,
//   acks=all, and a raw fetch loop as the live follower runs, on a prefixed topic deleted
//   at the end): the floor under any live path.
//
// browser ÷ API is what the two pages add (the click, the request from the page, the
// browser's EventSource, Vue rendering); API ÷ broker is the platform's own live path.
// The post is one with fewer than 20 comments, so page B holds its whole list (a live
// comment is appended only once the last page is loaded). One untimed try of each first.
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { formatPosition } from "../../api/read/positions.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  createProducer,
  type FetchPosition,
} from "../../platform/kafka/index.ts";
import { demoAdmin, logIn, openWeb } from "../../tests/browser/support/browser.ts";
import {
  getJson,
  logInToken,
  ms,
  pollPage,
  printTable,
  ratio,
  type Summary,
  summary,
  webUrl,
  writeResults,
} from "../support/web.ts";

const { values: args } = parseArgs({ options: { tries: { type: "string", default: "50" } } });
const tries = Number(args.tries);
const runId = randomUUID().slice(0, 8);
type Path = "browser" | "api" | "broker";

// Page code as strings: the benches' TypeScript has no DOM types.
/** Records (epoch ms, high resolution) when `text` first appears in the page's DOM. */
const watchTextJs = (key: string, text: string) => `(() => {
  window[${JSON.stringify(key)}] = undefined;
  const done = () => {
    window[${JSON.stringify(key)}] = Date.now();
    observer.disconnect();
  };
  const observer = new MutationObserver(() => {
    if (document.body.textContent.includes(${JSON.stringify(text)})) done();
  });
  observer.observe(document.body, { childList: true, subtree: true, characterData: true });
})()`;
const clickClockJs = `document.addEventListener("click", () => {
  window.__benchClick ??= Date.now();
}, true)`;

/** The post's live stream read by this process: resolves each awaited text when it arrives. */
async function openLiveStream(postId: string) {
  const controller = new AbortController();
  const res = await fetch(`${webUrl}/api/live/posts/${postId}/comments`, {
    headers: { accept: "text/event-stream" },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`live stream answered ${res.status}`);
  const waiting = new Map<string, (at: number) => void>();
  const decoder = new TextDecoder();
  let buffer = "";
  const reading = (async () => {
    const reader = res.body?.getReader();
    if (!reader) return;
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      const at = performance.now();
      buffer += decoder.decode(value, { stream: true });
      for (const [text, resolve] of waiting) {
        if (buffer.includes(text)) {
          waiting.delete(text);
          resolve(at);
        }
      }
      buffer = buffer.slice(-4096);
    }
  })();
  return {
    arrival: (text: string) => new Promise<number>((resolve) => waiting.set(text, resolve)),
    async close() {
      controller.abort();
      await reading;
    },
  };
}

const within = <T>(promise: Promise<T>, what: string, msLimit = 30_000) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: nothing after ${msLimit} ms`)), msLimit),
    ),
  ]);

async function pickPost(): Promise<string> {
  const feed = await getJson<{ items: { postId: string }[] }>("/api/content/posts?limit=50");
  for (const { postId } of feed.items) {
    const page = await getJson<{ items: unknown[]; nextCursor: string | null }>(
      `/api/comment/posts/${postId}/comments?limit=20`,
    );
    if (page.items.length < 20 && !page.nextCursor) return postId;
  }
  throw new Error("no post of the feed's first 50 has fewer than 20 comments");
}

async function main() {
  const postId = await pickPost();
  const token = await logInToken(demoAdmin.username, demoAdmin.password);
  const endpoints = endpointsFromEnv();
  const brokers = endpoints.kafkaBrokers;
  const topic = `bench.web-comment.${runId}.broker-latency`;
  const admin = createAdmin({ brokers, clientId: "vobe-bench-web-comment" });
  const producer = createProducer({ brokers, clientId: "vobe-bench-web-comment" });
  const fetcher = createFetcher({ brokers, clientId: "vobe-bench-web-comment-fetch" });
  const web = await openWeb();
  const live = await openLiveStream(postId);
  const samples: Record<string, number[]> = {
    browserOther: [],
    browserOwn: [],
    api: [],
    broker: [],
  };

  const failures: string[] = [];
  let following = true;
  let follow: Promise<void> | undefined;
  try {
    await admin.createTopics([{ name: topic, partitions: 1 }]);
    const seen = new Map<string, number>();
    const positions: FetchPosition[] = [{ topic, partition: 0, offset: 0n }];
    follow = (async () => {
      while (following) {
        for (const part of await fetcher.fetch(positions, { maxWaitMs: 500 })) {
          const now = performance.now();
          for (const r of part.records) seen.set(formatPosition(r), now);
          const p = positions[0] as FetchPosition;
          if (part.nextOffset > p.offset) p.offset = part.nextOffset;
        }
      }
    })();
    const payload = randomBytes(300);

    const poster = await web.page();
    poster.setDefaultTimeout(60_000);
    await logIn(poster, demoAdmin.username, demoAdmin.password);
    const viewer = await web.page();
    viewer.setDefaultTimeout(60_000);
    const open = async (page: Page) => {
      const stream = page.waitForResponse((r) => r.url().includes(`/api/live/posts/${postId}/`));
      await page.goto(`/posts/${postId}`);
      await page.getByRole("heading", { name: "Comments" }).waitFor();
      await stream;
    };
    await Promise.all([open(poster), open(viewer)]);
    await poster.evaluate(clickClockJs);

    const once = async (path: Path, i: number, record: boolean) => {
      // Bracketed, so that no text is a part of another ("… 1" of "… 10", a try of its warm-up).
      const text = `bench ${runId} ${path} [${record ? i : "warm-up"}]`;
      if (path === "browser") {
        await poster.getByLabel("Write a comment").fill(text);
        await poster.evaluate("window.__benchClick = undefined");
        await viewer.evaluate(watchTextJs("__benchSeen", text));
        await poster.evaluate(watchTextJs("__benchOwn", text));
        await poster.getByRole("button", { name: "Comment" }).click();
        const seenAt = Number(
          await pollPage<number>(viewer, "window.__benchSeen", "the comment in page B"),
        );
        const ownAt = Number(
          await pollPage<number>(poster, "window.__benchOwn", "the comment in page A"),
        );
        const clickAt = Number(await poster.evaluate("window.__benchClick"));
        if (process.env.BENCH_DEBUG) console.log({ text, clickAt, seenAt, ownAt });
        if (record) {
          samples.browserOther?.push(seenAt - clickAt);
          samples.browserOwn?.push(ownAt - clickAt);
        }
        // The form is free again before the next try.
        await poster.getByRole("button", { name: "Comment" }).waitFor();
      } else if (path === "api") {
        const arrival = live.arrival(text);
        const started = performance.now();
        const res = await fetch(`${webUrl}/api/comment/posts/${postId}/comments`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ body: text }),
        });
        if (res.status !== 202)
          throw new Error(`POST comment answered ${res.status}: ${await res.text()}`);
        const at = await within(arrival, "the live stream");
        if (record) samples.api?.push(at - started);
      } else {
        const started = performance.now();
        const [position] = await producer.send([
          { topic, key: Buffer.from(randomUUID()), value: payload },
        ]);
        if (!position) throw new Error("the broker acknowledged no position");
        const key = formatPosition(position);
        const deadline = started + 30_000;
        while (!seen.has(key) && performance.now() < deadline)
          await new Promise((r) => setTimeout(r, 0.5));
        const at = seen.get(key);
        if (at === undefined) throw new Error("the raw fetch loop never saw the record");
        if (record) samples.broker?.push(at - started);
      }
    };

    const paths: Path[] = ["browser", "api", "broker"];
    for (const path of paths) await once(path, 0, false);
    for (let i = 0; i < tries; i++) {
      for (const path of i % 2 === 0 ? paths : [...paths].reverse()) {
        // A failed try (nothing within 30 s on a loaded machine) is counted and left out.
        await once(path, i, true).catch((error: unknown) => {
          failures.push(`${path} try ${i + 1}: ${String(error).split("\n")[0]}`);
          console.log(`failed: ${failures.at(-1)}`);
        });
      }
      if ((i + 1) % 10 === 0) console.log(`${i + 1}/${tries} tries`);
    }
  } finally {
    following = false;
    await live.close();
    await web.close();
    await follow?.catch(() => {});
    await fetcher.close();
    await producer.close();
    await admin.deleteTopics([topic]).catch((e) => console.log(`cleanup: ${e}`));
    await admin.close();
  }

  const s: Record<string, Summary> = Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [k, summary(v)]),
  );
  const api = s.api as Summary;
  const broker = s.broker as Summary;
  const row = (name: string, x: Summary) => [
    name,
    String(x.n),
    ms(x.p50),
    ms(x.p90),
    ms(x.p99),
    `${ratio(x.p50, api.p50)} / ${ratio(x.p99, api.p99)}`,
    `${ratio(x.p50, broker.p50)} / ${ratio(x.p99, broker.p99)}`,
  ];
  console.log(
    `\na comment posted in one page → seen in a second page, ${tries} tries, post ${postId}\n`,
  );
  printTable(
    ["path", "tries", "p50 ms", "p90 ms", "p99 ms", "÷ API (p50 / p99)", "÷ broker (p50 / p99)"],
    [
      row("browser: click in page A → shown in page B (live)", s.browserOther as Summary),
      row("browser: click in page A → shown in page A (after=)", s.browserOwn as Summary),
      row("API: POST → live SSE event (baseline)", api),
      row("broker: raw produce → raw fetch", broker),
    ],
  );
  if (failures.length > 0) {
    console.log(`\n${failures.length} failed tries, left out:\n${failures.join("\n")}`);
  }
  const file = writeResults("comment-live", { tries, postId, samples, summary: s, failures });
  console.log(`\nresults: ${file}`);
}

await main();
