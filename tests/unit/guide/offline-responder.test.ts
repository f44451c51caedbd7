/**
 * The offline demo model's decisions: which tool to call for a question, when to read
 * tracks named by id only, and an answer that names only what the tool results hold.
 */
import { describe, expect, it } from "vitest";
import {
  intentOf,
  keywordsOf,
  type OfflineMessage,
  piecesOf,
  respond,
} from "../../../guide/offline-model/responder.ts";
import { toolDefinitions } from "../../../guide/tools.ts";

const tools = toolDefinitions.map((t) => ({
  function: { name: (t as { function: { name: string } }).function.name },
}));
const ask = (q: string): OfflineMessage[] => [
  { role: "system", content: "rules" },
  { role: "user", content: q },
];
const called = (id: string, name: string, args: unknown, result: unknown): OfflineMessage[] => [
  {
    role: "assistant",
    content: null,
    tool_calls: [{ id, function: { name, arguments: JSON.stringify(args) } }],
  },
  { role: "tool", tool_call_id: id, content: JSON.stringify(result) },
];
const t1 = "11111111-1111-4111-8111-111111111111";
const a1 = "22222222-2222-4222-8222-222222222222";
const al1 = "33333333-3333-4333-8333-333333333333";

describe("offline responder", () => {
  it("searches tracks and artists for the words that matter", () => {
    expect(keywordsOf("Which jazz tracks do you have in the catalog?")).toBe("jazz");
    expect(keywordsOf("Покажи треки The Strokes")).toBe("strokes");
    expect(respond({ messages: ask("Do you have any jazz songs?"), tools })).toEqual({
      toolCalls: [
        { name: "search_catalog", arguments: JSON.stringify({ query: "jazz", type: "tracks" }) },
        { name: "search_catalog", arguments: JSON.stringify({ query: "jazz", type: "artists" }) },
      ],
    });
  });

  it("routes trending, likes and history to their tools", () => {
    expect(intentOf("What is trending now?")).toBe("trending");
    expect(intentOf("Что сейчас популярно?")).toBe("trending");
    expect(intentOf("What are my likes?")).toBe("likes");
    expect(intentOf("What did I listen to? my history")).toBe("history");
    expect(respond({ messages: ask("what's popular"), tools })).toEqual({
      toolCalls: [{ name: "trending_now", arguments: "{}" }],
    });
  });

  it("reads tracks named by id only, then answers with their titles linked by id", () => {
    const first = [
      ...ask("what is trending?"),
      ...called("c1", "trending_now", {}, { items: [{ trackId: t1, plays: 3 }] }),
    ];
    expect(respond({ messages: first, tools })).toEqual({
      toolCalls: [{ name: "get_track", arguments: JSON.stringify({ trackId: t1 }) }],
    });
    const second = [
      ...first,
      ...called("c2", "get_track", { trackId: t1 }, { track: { trackId: t1, title: "Blue Hour" } }),
    ];
    const answer = respond({ messages: second, tools });
    expect(answer).toEqual({ text: `Trending now on VobeMusic:\n- [Blue Hour](/tracks/${t1})` });
  });

  it("names only catalog facts, and says plainly when there are none", () => {
    const hit = {
      trackId: t1,
      title: "Mediocre [Jazz]",
      artistId: a1,
      artistName: "Angelo Klein",
      albumId: al1,
      albumTitle: "Ten",
    };
    const messages = [
      ...ask("jazz please"),
      ...called("c1", "search_catalog", { query: "jazz" }, { type: "tracks", results: [hit] }),
    ];
    expect(respond({ messages, tools })).toEqual({
      text: `Tracks in the catalog for jazz:\n- [Mediocre \\[Jazz\\]](/tracks/${t1}) by [Angelo Klein](/artists/${a1}) (from [Ten](/albums/${al1}))`,
    });
    const none = [
      ...ask("polka from Mars"),
      ...called("c1", "search_catalog", {}, { results: [] }),
    ];
    expect(respond({ messages: none, tools })).toEqual({
      text: "I found nothing for polka mars in the VobeMusic catalog.",
    });
    const ru = [...ask("найди польку"), ...called("c1", "search_catalog", {}, { results: [] })];
    expect((respond({ messages: ru, tools }) as { text: string }).text).toContain(
      "ничего не нашлось",
    );
  });

  it("answers without tools when the question has nothing to look for", () => {
    expect(respond({ messages: ask("hello?"), tools })).toEqual({
      text: expect.stringContaining("Ask me about an artist"),
    });
  });

  it("streams word by word, losing nothing", () => {
    const text = "Tracks:\n- **A b**  c";
    expect(piecesOf(text).join("")).toBe(text);
    expect(piecesOf(text).length).toBe(5);
  });
});
