// Freshness: how long from a command's 202 until the change is visible through the API,
// next to the broker's own produce→consume latency, in the same run, at 200 and 1,000
// events/s.
//
//   npx tsx bench/api/freshness.ts [--seconds 10] [--rates 200,1000]
//
// API side: the app (api/app.ts buildApp) on a prefixed copy of the catalog, one post
// published up front, and a live stream of that post's comments (GET
// /api/live/posts/:postId/comments, api/live/) open over HTTP on 127.0.0.1. Comments are
// posted at a fixed rate (open loop, app.inject, a listener's token); latency = the time the
// stream delivers the event (matched by its position) minus the time the 202 arrived.
// Broker side: a raw producer (idempotent, acks=all) sends 300-byte records at the same
// rate to a prefixed 3-partition topic, and a raw Fetcher loop (read_committed, 500 ms
// max wait, as the live follower) reads them; latency = consumed minus acknowledged.
// Both are measured from the acknowledgement (202 / ack) to a reader seeing it (target:
// API p99 ≤ 3× the broker's), and from the send (request / produce call) for context: a
// reader often sees a record before the ack is back, so ack→seen is clamped at 0. Everything runs in
// this one process (2 cores here): the reader, the app and the load share the CPU.
// Prefixed topics and subjects are deleted at the end.
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

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rates: { type: "string", default: "200,1000" },
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
try {
  await applyCatalog({
    kafkaBrokers: brokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  await admin.createTopics([{ name: brokerTopic, partitions: 3 }]);
  app = await buildApp({ endpoints, topicPrefix: prefix, jwtSecret: secret });
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
  const { token } = await createAuth({ secret }).issue({
    userId: randomUUID(),
    role: "listener",
    username: "bench",
  });

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

  const comment = async (accepted: Map<string, Sent>, failures: { n: number }) => {
    const t0 = performance.now();
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
    accepted.set(formatPosition(r.json()), [t0, performance.now()]);
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
    const posted = await openLoop(rate, () => comment(accepted, failures));
    await settle(accepted, seen);
    const a = latencies(accepted, seen);

    const ratio = pct(a.out, 99) / pct(b.out, 99);
    const ratioSend = pct(a.fromSend, 99) / pct(b.fromSend, 99);
    say(
      `  ${rate}/s: broker p99 ${pct(b.out, 99).toFixed(1)} ms, API p99 ${pct(a.out, 99).toFixed(1)} ms`,
    );
    rows.push(
      `| ${rate} | broker: raw produce → raw fetch | ${sent} | ${b.missing} | ${pct(b.out, 50).toFixed(1)} | ${pct(b.out, 99).toFixed(1)} | – | ${pct(b.fromSend, 50).toFixed(1)} | ${pct(b.fromSend, 99).toFixed(1)} | – |`,
      `| ${rate} | API: POST comment → live SSE event | ${posted} (${failures.n} refused) | ${a.missing} | ${pct(a.out, 50).toFixed(1)} | ${pct(a.out, 99).toFixed(1)} | ${ratio.toFixed(2)} | ${pct(a.fromSend, 50).toFixed(1)} | ${pct(a.fromSend, 99).toFixed(1)} | ${ratioSend.toFixed(2)} |`,
    );
  }
  following = false;
  await follow;
  abort.abort();
  await reading;
  say("");
  say(
    "| events/s | path | events | not seen | ack→seen p50 ms | ack→seen p99 ms | p99 ÷ broker | send→seen p50 ms | send→seen p99 ms | p99 ÷ broker |",
  );
  say("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
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
