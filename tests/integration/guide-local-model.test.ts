/**
 * The embedded model end to end: `vobe serve model`'s server with SmolLM2-135M loaded (the
 * files fetched on first use, as `vobe start` does) and the guide's worker on the log asking
 * it. A question about a catalog track gets a reply streamed in pieces onto
 * chat.reply-stream (what the API relays over SSE, api-chat-guide.test.ts) and one
 * `ChatReplyGenerated` from that model that links the track to its page.
 *
 * The tools read a fixed catalog here (the real read layer is guide-grounded.test.ts's).
 * Bounded for a busy machine: the model writes at most 24 tokens (one llama.cpp thread made
 * 9–24 tokens/s on 2 cores at load averages 9–25, ADR-033), and every wait is minutes; the
 * first run also downloads the model (98 MB) and its runtime (84 MB).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startGuideModel } from "../../guide/local-model/serve.ts";
import { createModel } from "../../guide/model.ts";
import { createToolRunner, type ReadApi, toolDefinitions } from "../../guide/tools.ts";
import { createGuideWorker, type GuideWorker } from "../../guide/worker.ts";
import { type Decoded, guideTopics } from "../support/guide.ts";
import { brokers } from "../support/kafka.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const track = {
  trackId: "7d1f4c2e-5b8a-4c3d-9e2f-1a2b3c4d5e6f",
  title: "Blue Horizon",
  albumId: "8e2a5d3f-6c9b-4d4e-8f3a-2b3c4d5e6f70",
  albumTitle: "Night Drive",
  artistId: "9f3b6e4a-7dac-4e5f-9a4b-3c4d5e6f7081",
  artistName: "Neon Drift",
};
const read: ReadApi = async (path) => {
  if (path.startsWith("/api/search") && path.includes("type=tracks"))
    return { status: 200, body: { items: [{ document: track }] } };
  if (path.startsWith("/api/search")) return { status: 200, body: { items: [] } };
  return { status: 404, body: null };
};

describe("the guide with the embedded model", () => {
  let topics: Awaited<ReturnType<typeof guideTopics>>;
  let server: Awaited<ReturnType<typeof startGuideModel>>;
  let worker: GuideWorker;

  beforeAll(async () => {
    const setupStarted = Date.now();
    server = await startGuideModel(
      { ...process.env, VOBE_MODEL_PORT: "0", VOBE_LOCAL_MODEL_MAX_TOKENS: "24" },
      (line) => console.log(line),
    );
    console.log(`model server ready in ${Date.now() - setupStarted} ms`);
    topics = await guideTopics("local-model");
    worker = createGuideWorker({
      brokers: brokers(),
      schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
      prefix: topics.prefix,
      model: createModel({
        baseURL: server.baseURL,
        apiKey: "not-needed-locally",
        model: server.responder.id,
        maxAttempts: 1,
        backoffMs: 100,
        callTimeoutMs: 120_000,
        idleTimeoutMs: 60_000,
        maxReplyTokens: 600,
        maxReplyChars: 4_000,
        maxToolRounds: 4,
      }),
      tools: toolDefinitions,
      runTool: createToolRunner(read),
      limits: { repliesPerMinute: 100, tokensPerDay: 1_000_000 },
      historyTokens: 500,
      concurrency: 1,
    });
    await worker.start();
  }, 600_000);

  afterAll(async () => {
    await worker?.stop();
    await server?.close();
    await topics?.close();
  });

  it("answers a question about a catalog track, streamed, with a link to its page", async () => {
    // Not the offline fallback: the test is about the language model.
    expect(server.responder).toMatchObject({ llm: true, id: "smollm2-135m-instruct-local" });
    const asked = Date.now();
    const message = await topics.send("Is Blue Horizon a synthwave track?");
    let reply: Decoded | undefined;
    for (const deadline = Date.now() + 240_000; !reply && Date.now() < deadline; ) {
      reply = (await topics.replies(1, 300)).find((d) => d.value.inReplyTo === message.messageId);
      if (!reply) await sleep(500);
    }
    console.log(`reply in ${Date.now() - asked} ms`);
    expect(reply?.value).toMatchObject({
      conversationId: message.conversationId,
      outcome: "answered",
      model: "smollm2-135m-instruct-local",
    });
    const text = String(reply?.value.text);
    console.log(text);
    expect(text.startsWith("In the VobeMusic catalog, ")).toBe(true);
    expect(text).toContain(`[Blue Horizon](/tracks/${track.trackId})`);
    // Streamed: the model's pieces went out before the record, more than one of them.
    const pieces = (await topics.deltas(3, 300)).filter(
      (d) => d.value.inReplyTo === message.messageId && d.value.kind === "delta",
    );
    expect(pieces.length).toBeGreaterThan(1);
  }, 300_000);
});
