/**
 * The guide's replies when the model cannot be used: after its retries a failing model
 * gives an error reply (outcome "error", the web app shows it), a user over their rate gets
 * a "limited" reply without a model call, and both are recorded with their usage.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModel } from "../../guide/model.ts";
import { createGuideWorker, type GuideWorker } from "../../guide/worker.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.ts";
import { type Decoded, guideTopics } from "../support/guide.ts";
import { brokers } from "../support/kafka.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("guide replies without the model", () => {
  let fake: FakeOpenAI;
  let topics: Awaited<ReturnType<typeof guideTopics>>;
  let worker: GuideWorker;

  const replyTo = async (messageId: string): Promise<Decoded> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = (await topics.messages(1, 100)).find(
        (d) => d.type.endsWith("ChatReplyGenerated") && d.value.inReplyTo === messageId,
      );
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no reply to ${messageId}`);
      await sleep(200);
    }
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    topics = await guideTopics("replies");
    worker = createGuideWorker({
      brokers: brokers(),
      schemaRegistryUrl: topics.endpoints.schemaRegistryUrl,
      prefix: topics.prefix,
      model: createModel({
        baseURL: fake.baseURL,
        apiKey: "test",
        model: "fake-model",
        maxAttempts: 3,
        backoffMs: 20,
        callTimeoutMs: 5_000,
        idleTimeoutMs: 500,
        maxReplyTokens: 100,
        maxReplyChars: 2_000,
        maxToolRounds: 2,
      }),
      tools: [],
      runTool: async () => "{}",
      limits: { repliesPerMinute: 2, tokensPerDay: 1_000_000 },
      historyTokens: 500,
      concurrency: 2,
    });
    await worker.start();
  });

  afterAll(async () => {
    await worker?.stop();
    await topics?.close();
    await fake?.close();
  });

  it("a model that keeps failing (429, 500, a silent stream): retried, then an error reply", async () => {
    fake.script({ status: 429 }, { status: 500 }, { hang: true });
    const asked = await topics.send("Anything good?");
    const reply = await replyTo(asked.messageId);
    expect(fake.requests).toHaveLength(3);
    expect(reply.value).toMatchObject({
      outcome: "error",
      error: "model_timeout",
      attempts: 3,
      model: "fake-model",
    });
    expect(reply.value.text).toMatch(/could not answer/);
  });

  it("a model that sends a lone surrogate: the reply is recorded, well-formed (not retried for ever)", async () => {
    fake.script({ text: "Try this \ud800 one.", pieces: 1 });
    const asked = await topics.send("Something odd?");
    const reply = await replyTo(asked.messageId);
    expect(reply.value).toMatchObject({ outcome: "answered", text: "Try this \ufffd one." });
  });

  it("over the rate: a limited reply, and the model is not asked", async () => {
    fake.respond(() => ({ text: "Sure." }));
    const user = { userId: crypto.randomUUID(), conversationId: crypto.randomUUID() };
    const a = await topics.send("one", user);
    await replyTo(a.messageId);
    const b = await topics.send("two", user);
    await replyTo(b.messageId);
    const calls = fake.requests.length;
    const c = await topics.send("three", user);
    const limited = await replyTo(c.messageId);
    expect(limited.value).toMatchObject({ outcome: "limited", error: "rate_limited", model: "" });
    expect(fake.requests).toHaveLength(calls);
    const usage = (await topics.usage(3, 300)).filter((u) => u.value.userId === user.userId);
    expect(usage.map((u) => u.value.outcome)).toEqual(["answered", "answered", "limited"]);
  });
});
