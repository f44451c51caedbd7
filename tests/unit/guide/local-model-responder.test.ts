/**
 * The embedded model's responder without the model: retrieval picks the tool calls, the
 * model is asked only once the facts are in, with the facts in its prompt, and its prose is
 * followed by the retrieved tracks as links; nothing found or a Russian question is not
 * asked of the model. The model here records what it was asked and writes fixed text.
 */
import { describe, expect, it } from "vitest";
import type { Generation, LocalLlm } from "../../../guide/local-model/llm.ts";
import { localLlmResponder } from "../../../guide/local-model/responder.ts";
import type { OfflineRequest } from "../../../guide/offline-model/responder.ts";

const track = {
  trackId: "19cb1bd4-4d07-4b86-b227-d313b5a43e05",
  title: "Blue Horizon",
  albumId: "aa4de1f0-8b05-463b-b1a5-50b25f657e8b",
  albumTitle: "Night Drive",
  artistId: "05384f01-da68-4ee0-b074-9190b1c29d0f",
  artistName: "Neon Drift",
};
const tools = ["search_catalog", "get_track", "trending_now"].map((name) => ({
  function: { name },
}));

function fakeLlm() {
  const asked: Generation[] = [];
  const llm: LocalLlm = {
    id: "smollm2-135m-instruct-local",
    loadMs: 1,
    async generate(g) {
      asked.push(g);
      for (const piece of ["In the catalog, ", '"Blue Horizon"', " fits."]) g.onText(piece);
      return { promptTokens: 40, completionTokens: 3 };
    },
    async close() {},
  };
  return { llm, asked };
}

const withResults = (question: string, items: unknown[]): OfflineRequest => ({
  tools,
  messages: [
    { role: "system", content: "rules" },
    { role: "user", content: question },
    {
      role: "assistant",
      tool_calls: [{ id: "c1", function: { name: "search_catalog", arguments: "{}" } }],
    },
    { role: "tool", tool_call_id: "c1", content: JSON.stringify({ items }) },
  ],
});

async function textOf(answer: Awaited<ReturnType<ReturnType<typeof localLlmResponder>["answer"]>>) {
  if (!("text" in answer)) throw new Error("expected text");
  let text = "";
  const usage = await answer.text((p) => {
    text += p;
  }, new AbortController().signal);
  return { text, usage };
}

describe("the embedded model's responder", () => {
  it("searches first, without asking the model", async () => {
    const { llm, asked } = fakeLlm();
    const answer = await localLlmResponder(llm, { maxTokens: 64 }).answer({
      tools,
      messages: [{ role: "user", content: "Anything like synthwave?" }],
    });
    expect(answer).toMatchObject({
      toolCalls: [{ name: "search_catalog" }, { name: "search_catalog" }],
    });
    expect(asked).toHaveLength(0);
  });

  it("asks the model with the facts, then lists them as links", async () => {
    const { llm, asked } = fakeLlm();
    const responder = localLlmResponder(llm, { maxTokens: 64 });
    const request = {
      ...withResults("Do you have synthwave?", [{ document: track }]),
      max_tokens: 20,
    };
    const { text, usage } = await textOf(await responder.answer(request));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.system).toContain(
      'VobeMusic has the track "Blue Horizon" by Neon Drift, on the album "Night Drive".',
    );
    expect(asked[0]?.user).toBe("Do you have synthwave?");
    expect(asked[0]?.maxTokens).toBe(20); // the smaller of the request's and the server's
    expect(text.startsWith('In the catalog, "Blue Horizon" fits.\n\n')).toBe(true);
    expect(text).toContain(`[Blue Horizon](/tracks/${track.trackId})`);
    expect(usage).toEqual({ promptTokens: 40, completionTokens: 3 });
  });

  it("does not ask the model when nothing was found, or in Russian", async () => {
    const { llm, asked } = fakeLlm();
    const responder = localLlmResponder(llm, { maxTokens: 64 });
    const nothing = await textOf(await responder.answer(withResults("Any polka?", [])));
    expect(nothing.text).toContain("I found nothing for polka");
    const ru = await textOf(
      await responder.answer(withResults("Есть синтвейв?", [{ document: track }])),
    );
    expect(ru.text).toContain(`[Blue Horizon](/tracks/${track.trackId})`);
    expect(asked).toHaveLength(0);
  });
});
