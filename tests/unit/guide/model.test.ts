/**
 * The guide's model calls through the real `openai` client against the scripted server:
 * streaming, retries with backoff on 429/5xx/malformed/cut/silent streams, no retry on a
 * refusal, tool rounds, the reply length cap.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createModel,
  ModelError,
  type ModelSettings,
  type ReplyHooks,
} from "../../../guide/model.ts";
import { type FakeOpenAI, startFakeOpenAI } from "../../support/fake-openai.ts";

let fake: FakeOpenAI;
const settings = (over: Partial<ModelSettings> = {}): ModelSettings => ({
  baseURL: fake.baseURL,
  apiKey: "test",
  model: "fake-model",
  maxAttempts: 3,
  backoffMs: 10,
  callTimeoutMs: 5_000,
  idleTimeoutMs: 400,
  maxReplyTokens: 100,
  maxReplyChars: 2_000,
  maxToolRounds: 3,
  ...over,
});

const hooks = (runTool: ReplyHooks["runTool"] = async () => "{}") => {
  const seen = { attempts: 0, text: "", tools: [] as string[] };
  const h: ReplyHooks = {
    onAttempt: () => {
      seen.attempts += 1;
      seen.text = "";
    },
    onText: (p) => {
      seen.text += p;
    },
    onTool: (n) => seen.tools.push(n),
    runTool,
  };
  return { h, seen };
};
const ask = [{ role: "user" as const, content: "hi" }];

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.respond(() => ({ text: "Recovered." }));
});

describe("guide model", () => {
  it("streams the text in pieces, with the usage the server reports", async () => {
    fake.script({ text: "Hello there, listener.", pieces: 4 });
    const { h, seen } = hooks();
    const reply = await createModel(settings()).reply(ask, [], h);
    expect(reply).toMatchObject({ text: "Hello there, listener.", attempts: 1, promptTokens: 42 });
    expect(seen.text).toBe("Hello there, listener.");
    expect(fake.requests[0]?.stream).toBe(true);
  });

  it.each([
    ["429", { status: 429 }],
    ["500", { status: 500 }],
    ["a malformed chunk", { malformed: true as const }],
    ["a stream cut before its end", { cut: "partial te" }],
  ])("retries after %s, starting the text over", async (_name, failure) => {
    fake.script(failure);
    const { h, seen } = hooks();
    const reply = await createModel(settings()).reply(ask, [], h);
    expect(reply.text).toBe("Recovered.");
    expect(reply.attempts).toBe(2);
    expect(seen).toMatchObject({ attempts: 2, text: "Recovered." });
  });

  it("a silent stream is cut off after the idle timeout (the call is cancelled) and tried again", async () => {
    const before = fake.cancelled();
    fake.script({ hang: true });
    const reply = await createModel(settings()).reply(ask, [], hooks().h);
    expect(reply.attempts).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.cancelled()).toBe(before + 1);
  });

  it("gives up after the last attempt with the failure's code; a 400 is not retried", async () => {
    fake.script({ status: 503 }, { status: 503 }, { status: 503 });
    await expect(createModel(settings()).reply(ask, [], hooks().h)).rejects.toMatchObject({
      code: "model_unavailable",
    });
    expect(fake.requests).toHaveLength(3);
    fake.requests.length = 0;
    fake.script({ status: 400 });
    const refused = createModel(settings()).reply(ask, [], hooks().h);
    await expect(refused).rejects.toBeInstanceOf(ModelError);
    await expect(refused).rejects.toMatchObject({ code: "model_refused", retryable: false });
    expect(fake.requests).toHaveLength(1);
  });

  it("runs the tools the model asks for and gives their results back as tool messages", async () => {
    fake.script(
      { toolCalls: [{ name: "search_catalog", arguments: { query: "jazz" } }] },
      { text: "Found some jazz." },
    );
    const calls: Array<[string, string]> = [];
    const { h, seen } = hooks(async (name, args) => {
      calls.push([name, args]);
      return JSON.stringify({ results: [] });
    });
    const reply = await createModel(settings()).reply(ask, [], h);
    expect(calls).toEqual([["search_catalog", '{"query":"jazz"}']]);
    expect(seen.tools).toEqual(["search_catalog"]);
    expect(reply.toolCalls).toMatchObject([{ name: "search_catalog", result: '{"results":[]}' }]);
    const second = fake.requests[1]?.messages ?? [];
    expect(second.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(second[2]?.content).toBe('{"results":[]}');
  });

  it("cuts a reply at the maximum length and stops reading the stream", async () => {
    fake.script({ text: "x".repeat(500), pieces: 50, pieceDelayMs: 5 });
    const reply = await createModel(settings({ maxReplyChars: 100 })).reply(ask, [], hooks().h);
    expect(reply.text).toHaveLength(100);
    expect(reply.truncated).toBe(true);
  });
});
