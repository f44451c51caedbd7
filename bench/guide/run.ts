// The guide's overhead: time to first token and to the final reply through our path, next
// to the same streamed request sent straight to the model endpoint, in the same run.
//
//   npx tsx bench/guide/run.ts [--replies 20] [--pieces 20] [--piece-ms 25]
//   OPENAI_BASE_URL=… VOBE_CHAT_MODEL=… npx tsx bench/guide/run.ts --model   (a real endpoint)
//   npx tsx bench/guide/run.ts --local --replies 3   (the embedded SmolLM2-135M, ADR-033)
//
// Our path: a ChatMessageSent written to a prefixed chat.messages → the guide worker
// (guide/worker.ts, in this process) reads it, calls the model (streamed) → pieces on
// chat.reply-stream → the API (buildApp, listening on 127.0.0.1) relays them over SSE
// (GET /api/chat/conversations/:id/stream) → this client: first `reply.delta` = first
// token, `reply` (the record, read back from chat.messages after the transaction) = final.
// Direct: the `openai` client streams the same question from the same endpoint: first
// content chunk, end of stream. Default endpoint: the scripted server
// (tests/support/fake-openai.ts) answering `--pieces` pieces `--piece-ms` apart. Sides
// alternate (A B A B) after one untimed warm-up each. The POST itself is left out: the
// write path is benched in bench/api/. With --local, the endpoint is `vobe serve model`'s
// server with the embedded model, started in this process: it searches before it asks the
// model, so our path makes that tool round (a search of a one-track catalog) and the direct
// request carries the round's result already, as the model's last call sees it.
// Target (issue 13): our overhead ≤ 10 % of the model's own time at p50.
import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { buildApp } from "../../api/app.ts";
import { createAuth } from "../../api/http/auth.ts";
import { startGuideModel } from "../../guide/local-model/serve.ts";
import { createModel } from "../../guide/model.ts";
import { createToolRunner, type ReadApi, toolDefinitions } from "../../guide/tools.ts";
import { createGuideWorker } from "../../guide/worker.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { ChatMessageSent } from "../../schemas/generated/chat.ts";
import { startFakeOpenAI } from "../../tests/support/fake-openai.ts";
import { testAccounts } from "../../tests/support/test-accounts.ts";

const { values: args } = parseArgs({
  options: {
    replies: { type: "string", default: "20" },
    pieces: { type: "string", default: "20" },
    "piece-ms": { type: "string", default: "25" },
    model: { type: "boolean", default: false },
    local: { type: "boolean", default: false },
  },
});
const replies = Number(args.replies);
const pieces = Number(args.pieces);
const pieceMs = Number(args["piece-ms"]);
const say = (line: string) => console.log(line);
const endpoints = endpointsFromEnv();
const brokers = endpoints.kafkaBrokers;
const id = randomUUID().slice(0, 8);
const prefix = `bench.guide.${id}.`;
const entries = prefixedCatalog(prefix, catalog);
const secret = randomBytes(32).toString("hex");
const local = args.local;
const question = local
  ? "Is Blue Horizon a synthwave track?"
  : "Recommend something calm to listen to tonight.";
/** The one-track catalog the embedded model's search reads (--local). */
const track = {
  trackId: "7d1f4c2e-5b8a-4c3d-9e2f-1a2b3c4d5e6f",
  title: "Blue Horizon",
  artistId: "9f3b6e4a-7dac-4e5f-9a4b-3c4d5e6f7081",
  artistName: "Neon Drift",
};
const read: ReadApi = async (path) =>
  path.includes("type=tracks")
    ? { status: 200, body: { items: [{ document: track }] } }
    : { status: 200, body: { items: [] } };
const runTool = createToolRunner(read);

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

say(
  `guide bench: ${replies} replies per side, ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, Node ${process.version}, ${new Date().toISOString()}`,
);

const localServer = local
  ? await startGuideModel({ ...process.env, VOBE_MODEL_PORT: "0" }, say)
  : undefined;
if (localServer && !localServer.responder.llm)
  throw new Error(`the embedded model did not load: ${localServer.responder.note}`);
const fake = args.model || local ? undefined : await startFakeOpenAI();
fake?.respond(() => ({
  text: "A calm evening pick. ".repeat(pieces).slice(0, pieces * 8),
  pieces,
  pieceDelayMs: pieceMs,
}));
const endpoint = {
  baseURL:
    fake?.baseURL ??
    localServer?.baseURL ??
    process.env.OPENAI_BASE_URL ??
    "http://127.0.0.1:8089/v1",
  apiKey: process.env.OPENAI_API_KEY ?? "none",
  model: localServer?.responder.id ?? process.env.VOBE_CHAT_MODEL ?? "scripted",
};
say(
  `endpoint: ${fake ? `scripted (${pieces} pieces, ${pieceMs} ms apart)` : `${endpoint.baseURL} ${endpoint.model}`}`,
);

const admin = createAdmin({ brokers, clientId: "vobe-bench-guide" });
const producer = createProducer({ brokers, clientId: "vobe-bench-guide" });
let app: Awaited<ReturnType<typeof buildApp>> | undefined;
let worker: ReturnType<typeof createGuideWorker> | undefined;
try {
  await applyCatalog({
    kafkaBrokers: brokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  worker = createGuideWorker({
    brokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    prefix,
    model: createModel({
      ...endpoint,
      maxAttempts: 1,
      backoffMs: 100,
      callTimeoutMs: 120_000,
      idleTimeoutMs: 60_000,
      maxReplyTokens: 200,
      maxReplyChars: 4_000,
      maxToolRounds: local ? 4 : 0,
    }),
    tools: local ? toolDefinitions : [],
    runTool: local ? runTool : async () => "{}",
    limits: { repliesPerMinute: 1_000_000, tokensPerDay: 1_000_000_000 },
    historyTokens: 0,
    concurrency: 1,
  });
  await worker.start();
  app = await buildApp({ endpoints, topicPrefix: prefix, jwtSecret: secret, logger: false });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const sent = { ...ChatMessageSent, topic: `${prefix}${ChatMessageSent.topic}` };
  const auth = createAuth({ secret });
  // The API takes tokens of existing accounts only: one registered listener asks everything.
  const accounts = testAccounts(brokers, endpoints.schemaRegistryUrl, prefix);
  const userId = randomUUID();
  await accounts.register({ userId, role: "listener" });
  const { token } = await auth.issue({ userId, role: "listener", username: "bench" });
  const direct = new OpenAI({ baseURL: endpoint.baseURL, apiKey: endpoint.apiKey, maxRetries: 0 });

  /** Our path: first reply.delta and the reply record, from the message written to the log. */
  const ours = async () => {
    const conversationId = randomUUID();
    const res = await fetch(`${base}/api/chat/conversations/${conversationId}/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`stream: ${res.status} ${await res.text()}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const began = performance.now();
    await events.publish(
      sent,
      conversationId,
      { messageId: randomUUID(), conversationId, userId, text: question },
      {
        actor: { userId, role: "listener" },
      },
    );
    let first = Number.NaN;
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended before the reply");
      buffer += decoder.decode(value, { stream: true });
      if (Number.isNaN(first) && buffer.includes("event: reply.delta"))
        first = performance.now() - began;
      if (/(^|\n)event: reply\n/.test(buffer)) {
        const total = performance.now() - began;
        await reader.cancel();
        return { first, total };
      }
    }
  };

  // --local: the search round our path makes, done once, for the direct request to carry.
  const searched = JSON.stringify({ query: "blue horizon synthwave", type: "tracks" });
  const searchResult = local ? await runTool("search_catalog", searched, userId) : "";
  /** Direct: the same request to the endpoint. */
  const straight = async () => {
    const began = performance.now();
    const stream = await direct.chat.completions.create({
      model: endpoint.model,
      messages: [
        { role: "user", content: question },
        ...(local
          ? [
              {
                role: "assistant" as const,
                content: null,
                tool_calls: [
                  {
                    id: "call_0",
                    type: "function" as const,
                    function: { name: "search_catalog", arguments: searched },
                  },
                ],
              },
              { role: "tool" as const, tool_call_id: "call_0", content: searchResult },
            ]
          : []),
      ],
      stream: true,
      max_tokens: 200,
    });
    let first = Number.NaN;
    for await (const chunk of stream) {
      if (Number.isNaN(first) && chunk.choices[0]?.delta?.content)
        first = performance.now() - began;
    }
    return { first, total: performance.now() - began };
  };

  // The account must be known to the API before its token is taken.
  for (let i = 0; ; i++) {
    try {
      await ours();
      break;
    } catch (error) {
      if (i > 50) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await straight();
  const a: Array<{ first: number; total: number }> = [];
  const b: Array<{ first: number; total: number }> = [];
  for (let i = 0; i < replies; i++) {
    a.push(await ours());
    b.push(await straight());
  }
  const row = (name: string, xs: Array<{ first: number; total: number }>) => ({
    path: name,
    "first token p50 ms": Math.round(
      pct(
        xs.map((x) => x.first),
        50,
      ),
    ),
    "first token p90 ms": Math.round(
      pct(
        xs.map((x) => x.first),
        90,
      ),
    ),
    "final p50 ms": Math.round(
      pct(
        xs.map((x) => x.total),
        50,
      ),
    ),
    "final p90 ms": Math.round(
      pct(
        xs.map((x) => x.total),
        90,
      ),
    ),
  });
  const rows = [row("ours (log → worker → SSE)", a), row("direct (openai client)", b)];
  console.table(rows);
  await accounts.close();
  const over = (k: "first" | "total") => {
    const o = pct(
      a.map((x) => x[k]),
      50,
    );
    const d = pct(
      b.map((x) => x[k]),
      50,
    );
    return `${Math.round(o - d)} ms (${(((o - d) / d) * 100).toFixed(1)} % of the model's ${Math.round(d)} ms)`;
  };
  say(`overhead at p50: first token +${over("first")}, final +${over("total")} (target ≤ 10 %)`);
} finally {
  await worker?.stop().catch(() => {});
  await app?.close().catch(() => {});
  await fake?.close();
  await localServer?.close();
  await producer.close();
  const existing = await admin.listTopics();
  await admin
    .deleteTopics(existing.filter((t) => t.startsWith(prefix)))
    .catch((e) => say(`cleanup: ${e}`));
  await admin.close();
  const registry = registryApi(endpoints.schemaRegistryUrl);
  for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
    await registry.deleteSubject(subject).catch(() => {});
  }
  say(`cleaned up ${prefix}*`);
}
