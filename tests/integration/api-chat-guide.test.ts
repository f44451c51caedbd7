/**
 * The chat API with the guide behind it: a reply streams over SSE to the conversation's
 * owner (start, pieces in order, then the record), nobody else can watch or write into the
 * conversation (404 for both, issue 12), and the stream route takes ?access_token= for
 * EventSource. The worker runs in-process on the API's prefix, against the scripted server.
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createModel } from "../../guide/model.ts";
import { createGuideWorker, type GuideWorker } from "../../guide/worker.ts";
import { bearer, startTestApi } from "../support/api-app.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.ts";
import { brokers } from "../support/kafka.ts";

type Api = Awaited<ReturnType<typeof startTestApi>>;

interface Frame {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

/** Reads SSE frames from a fetch answer until `stop` says so (or the time is up). */
async function readFrames(res: Response, stop: (f: Frame) => boolean, timeoutMs = 30_000) {
  const frames: Frame[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const deadline = setTimeout(() => reader.cancel(), timeoutMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let at = buffer.indexOf("\n\n");
      while (at >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        at = buffer.indexOf("\n\n");
        const fields: Record<string, string> = Object.fromEntries(
          block
            .split("\n")
            .filter((l) => !l.startsWith(":") && l.includes(": "))
            .map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]),
        );
        if (!fields.event || !fields.data) continue;
        const frame: Frame = {
          event: fields.event,
          id: fields.id ?? "",
          data: JSON.parse(fields.data),
        };
        frames.push(frame);
        if (stop(frame)) return frames;
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
  return frames;
}

describe("chat API with the guide", () => {
  let api: Api;
  let fake: FakeOpenAI;
  let worker: GuideWorker;
  let base: string;

  beforeAll(async () => {
    api = await startTestApi("chat-guide");
    fake = await startFakeOpenAI();
    worker = createGuideWorker({
      brokers: brokers(),
      schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
      prefix: api.prefix,
      model: createModel({
        baseURL: fake.baseURL,
        apiKey: "test",
        model: "fake-model",
        maxAttempts: 2,
        backoffMs: 20,
        callTimeoutMs: 10_000,
        idleTimeoutMs: 5_000,
        maxReplyTokens: 100,
        maxReplyChars: 2_000,
        maxToolRounds: 2,
      }),
      tools: [],
      runTool: async () => "{}",
      limits: { repliesPerMinute: 100, tokensPerDay: 1_000_000 },
      historyTokens: 500,
      concurrency: 2,
    });
    await worker.start();
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
    await api?.stop();
  });

  it("streams the reply to its owner as it is written, then the record", async () => {
    const userId = randomUUID();
    const token = await api.token({ userId });
    const conversationId = randomUUID();
    const text = "Jazz is a broad genre with many moods and eras to explore.";
    fake.script({ text, pieces: 8, pieceDelayMs: 30 });
    const stream = await fetch(`${base}/api/chat/conversations/${conversationId}/stream`, {
      headers: bearer(token),
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const framesP = readFrames(stream, (f) => f.event === "reply");
    const posted = await fetch(`${base}/api/chat/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ text: "Tell me about jazz" }),
    });
    expect(posted.status).toBe(202);
    const frames = await framesP;
    const events = frames.map((f) => f.event);
    expect(events[0]).toBe("message");
    expect(events).toContain("reply.start");
    const deltas = frames.filter((f) => f.event === "reply.delta");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.data.text).join("")).toBe(text);
    expect(deltas.map((d) => d.data.seq)).toEqual(
      [...deltas.map((d) => d.data.seq as number)].sort((a, b) => a - b),
    );
    const reply = frames.at(-1) as Frame;
    expect(reply.data).toMatchObject({
      conversationId,
      text,
      outcome: "answered",
      model: "fake-model",
    });
    // The record is what the messages route shows once the view has it.
    const userMessageId = frames[0]?.data.messageId;
    expect(reply.data.inReplyTo).toBe(userMessageId);
  });

  it("another user's conversation: 404 to post into it and 404 to watch it; access_token works for EventSource", async () => {
    const owner = randomUUID();
    const ownerToken = await api.token({ userId: owner });
    const otherToken = await api.token({ userId: randomUUID() });
    const conversationId = randomUUID();
    fake.respond(() => ({ text: "Hi." }));
    const first = await api.app.inject({
      method: "POST",
      url: `/api/chat/conversations/${conversationId}/messages`,
      headers: bearer(ownerToken),
      payload: { text: "hello" },
    });
    expect(first.statusCode).toBe(202);
    // The owner is known once vobe-service-snapshots derived it: the next post waits for it.
    const intrude = await api.app.inject({
      method: "POST",
      url: `/api/chat/conversations/${conversationId}/messages`,
      headers: bearer(otherToken),
      payload: { text: "let me in" },
    });
    expect(intrude.statusCode).toBe(404);
    expect(intrude.json().error.code).toBe("not_found");
    const watch = await fetch(`${base}/api/chat/conversations/${conversationId}/stream`, {
      headers: bearer(otherToken),
    });
    expect(watch.status).toBe(404);
    const noToken = await fetch(`${base}/api/chat/conversations/${conversationId}/stream`);
    expect(noToken.status).toBe(401);
    const viaQuery = await fetch(
      `${base}/api/chat/conversations/${conversationId}/stream?access_token=${ownerToken}`,
    );
    expect(viaQuery.status).toBe(200);
    await viaQuery.body?.cancel();
  });
});
