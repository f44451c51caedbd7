// Freshness: how long from a command's 202 until the change is visible through the API,
// next to the broker's own produce→consume latency, in the same run, at 200 and 1,000
// events/s.
//
//   npx tsx bench/api/freshness.ts [--seconds 10] [--rates 200,1000] [--read-rate 200]
//
// API side: the app (api/app.ts buildApp) on a prefixed copy of the catalog, one post
// published up front. Comments are posted at a fixed rate (open loop, app.inject, a
// listener's token). A change is visible two ways:
//   - live: the post's comment stream (GET /api/live/posts/:postId/comments, api/live/),
//     open over HTTP on 127.0.0.1, delivers the event (matched by its position);
//   - read: GET /api/comment/posts/:postId/comments?after=<the 202's position> answers 200,
//     i.e. the comment view in Postgres, fed by the comment sink running in a process of
//     its own (bench/api/comment-sink.ts, as `vobe serve sinks`), is past the comment.
//     Every command at 200/s, 1 in 5 at 1,000/s (`--read-rate`, reads per second); at the
//     end every accepted comment must be in the view.
// Broker side: a raw producer (idempotent, acks=all) sends 300-byte records at the same
// rate to a prefixed 3-partition topic, and a raw Fetcher loop (read_committed, 500 ms
// max wait, as the live follower) reads them.
// Two clocks for every path: from the acknowledgement (the 202 / the producer's ack; a
// reader often sees a record before the ack is back, so ack→seen is clamped at 0) and from
// the send (the request / the produce call). The target compares the issue's terms: a
// command accepted → visible (the API's ack→seen) against the broker's own produce →
// consume (its send→seen); p99 ≤ 3×. The app, the load and the readers share this one
// process (2 cores here, with the broker, Postgres and the sink).
// Prefixed topics, subjects and the view's schemas are deleted at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import Fastify from "fastify";
import { buildApp } from "../../api/app.ts";
import { createAuth } from "../../api/http/auth.ts";
import { liveRoutes } from "../../api/live/index.ts";
import { formatPosition } from "../../api/read/positions.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  createProducer,
  type FetchPosition,
} from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer, systemActor } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { PostPublished } from "../../schemas/generated/content.ts";
import { dropAll } from "../../sinks/engine/index.ts";
import { commentView } from "../../sinks/postgres/comment/view.ts";
import { baseOf, createSinkRuntime } from "../../sinks/runtime.ts";
import { testAccounts } from "../../tests/support/test-accounts.ts";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rates: { type: "string", default: "200,1000" },
    "read-rate": { type: "string", default: "200" },
  },
});
const seconds = Number(args.seconds);
const rates = args.rates.split(",").map(Number);
if (!(seconds > 0) || rates.some((r) => !(r > 0))) throw new Error("--seconds, --rates: > 0");

const say = (line: string) => console.log(line);
const endpoints = endpointsFromEnv();
const brokers = endpoints.kafkaBrokers;
const id = randomUUID().slice(0, 8);
const prefix = `bench.fresh.${id}.`;
const entries = prefixedCatalog(prefix, catalog);
const brokerTopic = `${prefix}broker-latency`;
const secret = randomBytes(32).toString("hex");
// The comment view's schemas of this run (t_<id>_comment_v1), dropped at the end.
const placement = { schemaPrefix: `b_${id}_`, topicPrefix: prefix, maxWaitMs: 500 };

/** When a write was sent, and when it was acknowledged (202, or the producer's ack). */
type Sent = [number, number];

const pct = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

/** Calls `send` `rate` times a second for `seconds`, without waiting for answers. */
async function openLoop(rate: number, send: () => Promise<void>): Promise<number> {
  const total = Math.round(rate * seconds);
  const began = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = began + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(send());
  }
  await Promise.all(pending);
  return total;
}

say(
  `freshness: ${seconds} s per rate, rates ${rates.join(", ")}/s, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), ` +
    `load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, Node ${process.version}, ${new Date().toISOString()}`,
);

const admin = createAdmin({ brokers, clientId: "vobe-bench-fresh" });
const producer = createProducer({ brokers, clientId: "vobe-bench-fresh" });
let app: Awaited<ReturnType<typeof buildApp>> | undefined;
const live = Fastify({ logger: false });
const fetcher = createFetcher({ brokers, clientId: "vobe-bench-fresh-broker" });
const sinks = createSinkRuntime(endpoints, `vobe-bench-fresh-${id}`);
let sinkProcess: ChildProcess | undefined;
try {
  await applyCatalog({
    kafkaBrokers: brokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  await admin.createTopics([{ name: brokerTopic, partitions: 3 }]);
  // The comment view's sink in a process of its own, as `vobe serve sinks` runs it.
  sinkProcess = spawn(
    process.execPath,
    ["--import", "tsx", "bench/api/comment-sink.ts", placement.schemaPrefix, prefix],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    sinkProcess?.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("running")) resolve();
    });
    sinkProcess?.once("exit", (code) => reject(new Error(`the sink process exited (${code})`)));
  });
  app = await buildApp({
    endpoints,
    topicPrefix: prefix,
    jwtSecret: secret,
    reads: { schemaPrefix: placement.schemaPrefix, indexPrefix: `bench-fresh-${id}-` },
  });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  await live.register(liveRoutes, {
    prefix: "/api/live",
    source: {
      admin,
      fetcher: (clientId) => createFetcher({ brokers, clientId }),
      decode: (value) => registry.decode(value),
    },
    topicPrefix: prefix,
  });
  const liveUrl = await live.listen({ host: "127.0.0.1", port: 0 });

  // One post to comment on, and a listener's token.
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const postId = randomUUID();
  const authorId = randomUUID();
  await events.publish(
    { ...PostPublished, topic: `${prefix}${PostPublished.topic}` },
    postId,
    { postId, authorId, artistId: null, title: "freshness", body: "bench" },
    { actor: systemActor },
  );
  // Tokens of accounts that do not exist are refused (docs/adr/019): register one.
  const listener = { userId: randomUUID(), role: "listener", username: "bench" } as const;
  const accounts = testAccounts(brokers, endpoints.schemaRegistryUrl, prefix);
  await accounts.register(listener);
  await accounts.close();
  const { token } = await createAuth({ secret }).issue(listener);

  // The live stream: position → when it was seen.
  const seen = new Map<string, number>();
  const abort = new AbortController();
  const res = await fetch(`${liveUrl}/api/live/posts/${postId}/comments`, { signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`live stream: ${res.status}`);
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        const now = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const idLine = buffer
            .slice(0, end)
            .split("\n")
            .find((l) => l.startsWith("id: "));
          if (idLine) seen.set(idLine.slice(4), now);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted at the end
    }
  })();

  let commands = 0;
  let lastAccepted = "";
  const comment = async (
    accepted: Map<string, Sent>,
    failures: { n: number },
    read?: { every: number; sampled: Map<string, Sent> },
  ) => {
    const t0 = performance.now();
    const n = commands++;
    const r = await app?.inject({
      method: "POST",
      url: `/api/comment/posts/${postId}/comments`,
      headers: { authorization: `Bearer ${token}` },
      payload: { body: "fresh" },
    });
    if (r?.statusCode !== 202) {
      failures.n += 1;
      return;
    }
    const at = formatPosition(r.json());
    lastAccepted = at;
    const sent: Sent = [t0, performance.now()];
    accepted.set(at, sent);
    if (read && n % read.every === 0) {
      read.sampled.set(at, sent);
      await readBack(at);
    }
  };
  // Read your writes through the comment view (Postgres, fed by the sink): the page of
  // comments read with the command's position answers once the sink is past it.
  const readable = new Map<string, number>();
  // The route answers 200 only once the view has consumed past `after` (its contract,
  // tested in api-read-views); that every comment really is there is checked at the end.
  const readBack = async (at: string) => {
    const r = await app?.inject({
      method: "GET",
      url: `/api/comment/posts/${postId}/comments?after=${encodeURIComponent(at)}&limit=1&wait=5000`,
    });
    if (r?.statusCode === 200) readable.set(at, performance.now());
  };
  // Warm-up: the post in the app's view, the follower started, the JIT.
  const warm = new Map<string, Sent>();
  for (let i = 0; i < 20; i++) await comment(warm, { n: 0 });

  // The broker side: raw records, a raw fetch loop from the current end.
  const consumed = new Map<string, number>();
  let following = true;
  const positions: FetchPosition[] = (await admin.endOffsets(brokerTopic, "read_committed")).map(
    (offset, partition) => ({ topic: brokerTopic, partition, offset }),
  );
  const follow = (async () => {
    while (following) {
      for (const part of await fetcher.fetch(positions, { maxWaitMs: 500 })) {
        const now = performance.now();
        for (const r of part.records) consumed.set(formatPosition(r), now);
        const p = positions.find((q) => q.partition === part.partition);
        if (p && part.nextOffset > p.offset) p.offset = part.nextOffset;
      }
    }
  })();
  const payload = randomBytes(300);
  const raw = async (acked: Map<string, Sent>) => {
    const t0 = performance.now();
    const [at] = await producer.send([
      { topic: brokerTopic, key: Buffer.from(randomUUID()), value: payload },
    ]);
    if (at) acked.set(formatPosition(at), [t0, performance.now()]);
  };

  const settle = async (want: Map<string, Sent>, got: Map<string, number>) => {
    const deadline = performance.now() + 15_000;
    while ([...want.keys()].some((k) => !got.has(k)) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const latencies = (want: Map<string, Sent>, got: Map<string, number>) => {
    const out: number[] = [];
    const fromSend: number[] = [];
    let missing = 0;
    for (const [k, [t0, t1]] of want) {
      const s = got.get(k);
      if (s === undefined) missing += 1;
      else {
        out.push(Math.max(0, s - t1)); // the reader may see it before the ack is back: 0
        fromSend.push(s - t0);
      }
    }
    return { out, fromSend, missing };
  };

  const rows: string[] = [];
  for (const rate of rates) {
    const acked = new Map<string, Sent>();
    const sent = await openLoop(rate, () => raw(acked));
    await settle(acked, consumed);
    const b = latencies(acked, consumed);

    const accepted = new Map<string, Sent>();
    const failures = { n: 0 };
    // Reads with `after` at up to 200/s: each one polls the view's offsets while it waits.
    const readRate = Number(args["read-rate"]);
    const every =
      readRate > 0 ? Math.max(1, Math.round(rate / readRate)) : Number.POSITIVE_INFINITY;
    const read = { every, sampled: new Map<string, Sent>() };
    const posted = await openLoop(rate, () => comment(accepted, failures, read));
    await settle(accepted, seen);
    const a = latencies(accepted, seen);
    const v = latencies(read.sampled, readable);

    say(
      `  ${rate}/s: broker produce→consume p99 ${pct(b.fromSend, 99).toFixed(1)} ms; accepted→visible p99: live ${pct(a.out, 99).toFixed(1)} ms, read route ${pct(v.out, 99).toFixed(1)} ms`,
    );
    // The target's terms: a command accepted (its 202) → visible through the API, against
    // the broker's own produce → consume latency (the produce call → the fetch that got it).
    const target = (x: number[]) => pct(x, 99) / pct(b.fromSend, 99);
    const row = (path: string, events: string, l: ReturnType<typeof latencies>, vs: string) =>
      `| ${rate} | ${path} | ${events} | ${l.missing} | ${pct(l.out, 50).toFixed(1)} | ${pct(l.out, 99).toFixed(1)} | ${pct(l.fromSend, 50).toFixed(1)} | ${pct(l.fromSend, 99).toFixed(1)} | ${vs} |`;
    rows.push(
      row("broker: raw produce → raw fetch", String(sent), b, "(baseline: send→seen p99)"),
      row(
        "API: POST comment → live SSE event",
        `${posted} (${failures.n} refused)`,
        a,
        `**${target(a.out).toFixed(2)}**`,
      ),
      row(
        `API: POST comment → GET comments?after= (sink → Postgres), 1 in ${read.every}`,
        String(read.sampled.size),
        v,
        `**${target(v.out).toFixed(2)}**`,
      ),
    );
  }
  // Every accepted comment is in the view (read-your-writes answered for the samples).
  const caught = await app.inject({
    url: `/api/comment/posts/${postId}/comments?after=${encodeURIComponent(lastAccepted)}&limit=1&wait=10000`,
  });
  if (caught.statusCode !== 200)
    throw new Error(`the comment view did not catch up: ${caught.body}`);
  const pool = await sinks.pool("comment");
  const { rows: counted } = await pool.query(
    `select count(*)::int as n from ${placement.schemaPrefix}comment.comments where post_id = $1`,
    [postId],
  );
  say(`comment view: ${counted[0]?.n} comments on the bench's post (${commands} accepted)`);
  following = false;
  await follow;
  abort.abort();
  await reading;
  say("");
  say(
    "| events/s | path | events | not seen | ack→seen p50 ms | ack→seen p99 ms | send→seen p50 ms | send→seen p99 ms | accepted→visible p99 ÷ broker produce→consume p99 (target ≤ 3) |",
  );
  say("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) say(r);
  say("");
  say(
    `load after ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await live.close();
  await app?.close();
  sinkProcess?.kill("SIGTERM");
  if (sinkProcess && sinkProcess.exitCode === null)
    await new Promise((resolve) => sinkProcess?.once("exit", resolve));
  await dropAll(await sinks.pool("comment"), baseOf(commentView, placement)).catch((e) =>
    say(`cleanup: ${e}`),
  );
  await sinks.close();
  await fetcher.close();
  await producer.close();
  const existing = await admin.listTopics();
  await admin
    .deleteTopics(existing.filter((t) => t.startsWith(prefix)))
    .catch((e) => say(`cleanup: ${e}`));
  await admin.close();
  const api = registryApi(endpoints.schemaRegistryUrl);
  for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
    await api.deleteSubject(subject).catch(() => {});
  }
  say(`cleaned up ${prefix}*`);
}
