/**
 * The guide's reply worker on the real broker and registry, as a child process, against the
 * scripted OpenAI server: killed (SIGKILL) in the middle of a streamed reply, started again,
 * it answers the message exactly once (the model is asked again: at least once), and a
 * further restart neither asks the model nor writes anything.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../support/fake-openai.ts";
import { guideTopics } from "../support/guide.ts";
import { killHard, spawnTs, waitForLine } from "../support/processes.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe("guide worker", { timeout: 300_000 }, () => {
  let fake: FakeOpenAI;
  let topics: Awaited<ReturnType<typeof guideTopics>>;
  const children: ChildProcess[] = [];

  const start = async () => {
    const child = spawnTs("tests/support/guide-child.ts", []);
    children.push(child);
    await waitForLine(child, "guide: ready");
    return child;
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    topics = await guideTopics("worker");
    const e = topics.endpoints;
    process.env.KAFKA_BROKERS = e.kafkaBrokers.join(",");
    process.env.SCHEMA_REGISTRY_URL = e.schemaRegistryUrl;
    process.env.OPENAI_BASE_URL = fake.baseURL;
    process.env.VOBE_TOPIC_PREFIX = topics.prefix;
    process.env.VOBE_GUIDE_PORT = "0";
    process.env.VOBE_GUIDE_BACKOFF_MS = "50";
    // A reply held open by the scripted server must not be cut off as silent.
    process.env.VOBE_GUIDE_IDLE_TIMEOUT_MS = "170000";
    process.env.VOBE_GUIDE_CALL_TIMEOUT_MS = "170000";
    process.env.VOBE_JWT_SECRET ??= "test-secret-for-the-guide-0123456789012";
  });

  afterAll(async () => {
    for (const c of children) await killHard(c);
    await topics?.close();
    await fake?.close();
  });

  it("killed mid-stream, started again: exactly one reply; restarted once more: no model call", async () => {
    const long = "Here is a long answer about music that takes a while to stream. ".repeat(6);
    // Held open after its pieces: the worker is killed while the reply is still streaming.
    let release = () => {};
    const hold = new Promise<void>((r) => {
      release = r;
    });
    fake.script({ text: long, pieces: 60, pieceDelayMs: 20, hold });
    fake.respond(() => ({ text: "The answer after the restart.", pieceDelayMs: 5 }));

    const first = await start();
    const asked = await topics.send("What should I listen to?");
    // Mid-stream: some pieces are out on chat.reply-stream, the reply is not committed.
    const deltas = await topics.deltas(4, 0);
    expect(deltas.filter((d) => d.value.kind === "delta").length).toBeGreaterThan(0);
    await killHard(first);
    release();
    expect(fake.requests).toHaveLength(1);
    expect((await topics.messages(1, 300)).filter((d) => d.type.endsWith("Reply"))).toEqual([]);

    const second = await start();
    const replies = await until("the reply", async () => {
      const all = await topics.messages(2, 300);
      const r = all.filter((d) => d.type.endsWith("ChatReplyGenerated"));
      return r.length > 0 ? r : undefined;
    });
    // Settle: a second reply would show up now.
    await sleep(1_500);
    const settled = (await topics.messages(2, 500)).filter((d) =>
      d.type.endsWith("ChatReplyGenerated"),
    );
    expect(settled).toHaveLength(1);
    expect(replies[0]?.value).toMatchObject({
      inReplyTo: asked.messageId,
      conversationId: asked.conversationId,
      userId: asked.userId,
      text: "The answer after the restart.",
      outcome: "answered",
    });
    expect(fake.requests).toHaveLength(2);
    const usage = await topics.usage(1, 300);
    expect(usage).toHaveLength(1);
    expect(usage[0]?.value).toMatchObject({ userId: asked.userId, outcome: "answered" });

    // Rebuilding from the log: the reply is there, the model is not asked again.
    second.kill("SIGTERM");
    await new Promise((r) => second.once("exit", r));
    const third = await start();
    await sleep(1_500);
    expect(fake.requests).toHaveLength(2);
    expect(
      (await topics.messages(2, 300)).filter((d) => d.type.endsWith("ChatReplyGenerated")),
    ).toHaveLength(1);

    // Following: a new message in the same conversation is answered with its memory.
    const next = await topics.send("And after that?", {
      conversationId: asked.conversationId,
      userId: asked.userId,
    });
    await until("the second reply", async () => {
      const r = (await topics.messages(4, 200)).filter((d) =>
        d.type.endsWith("ChatReplyGenerated"),
      );
      return r.length >= 2 ? r : undefined;
    });
    const lastCall = fake.requests.at(-1);
    expect(lastCall?.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(lastCall?.messages.at(-1)?.content).toBe(next.text);
    await killHard(third);
  }, 180_000);

  it("a second instance takes over mid-stream: the first is fenced, one reply", async () => {
    // The first instance's reply is held open mid-stream until the second has answered, so
    // the takeover happens mid-reply however slowly the children start.
    let release = () => {};
    const hold = new Promise<void>((r) => {
      release = r;
    });
    fake.script({ text: "slow ".repeat(20), pieces: 20, pieceDelayMs: 20, hold });
    fake.respond(() => ({ text: "Answered by the new instance.", pieceDelayMs: 5 }));
    const a = await start();
    const asked = await topics.send("Who plays jazz here?");
    await until(
      "the first call",
      () => fake.requests.some((r) => r.messages.at(-1)?.content === asked.text) || undefined,
    );
    const aExit = new Promise<number | null>((r) => a.once("exit", (code) => r(code)));
    const b = await start();
    await until("the reply", async () => {
      const r = (await topics.messages(1, 200)).filter(
        (d) => d.type.endsWith("ChatReplyGenerated") && d.value.inReplyTo === asked.messageId,
      );
      return r.length > 0 ? r : undefined;
    });
    // The fenced one ends when its own reply, let go now, fails to commit.
    release();
    expect(await aExit).toBe(3);
    await sleep(500);
    const mine = (await topics.messages(1, 500)).filter(
      (d) => d.type.endsWith("ChatReplyGenerated") && d.value.inReplyTo === asked.messageId,
    );
    expect(mine).toHaveLength(1);
    expect(mine[0]?.value.text).toBe("Answered by the new instance.");
    await killHard(b);
  }, 180_000);
});
