/**
 * The offline demo model over real HTTP, through the guide's own client (guide/model.ts, the
 * `openai` package): streamed text in several pieces, tool rounds the client runs, usage, a
 * whole (non-streamed) answer, and the grounding that links every name it gives. The read
 * layer is a fixed catalog here: what is tested is the protocol and the responder.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { entitiesIn, ground } from "../../../guide/grounding.ts";
import { createModel, type ModelSettings } from "../../../guide/model.ts";
import { offlineModelId, startOfflineModel } from "../../../guide/offline-model/server.ts";
import { createToolRunner, type ReadApi, toolDefinitions } from "../../../guide/tools.ts";

const track = {
  trackId: "19cb1bd4-4d07-4b86-b227-d313b5a43e05",
  title: "Mediocre Jazz",
  albumId: "aa4de1f0-8b05-463b-b1a5-50b25f657e8b",
  albumTitle: "Ten",
  artistId: "05384f01-da68-4ee0-b074-9190b1c29d0f",
  artistName: "Angelo Klein",
};
/** Another track of the same title: each must link to its own page. */
const twin = { ...track, trackId: "29cb1bd4-4d07-4b86-b227-d313b5a43e05", artistName: "Other" };
const reads: string[] = [];
const read: ReadApi = async (path) => {
  reads.push(path);
  if (path.startsWith("/api/search") && path.includes("type=tracks")) {
    if (path.includes("twins"))
      return { status: 200, body: { items: [{ document: track }, { document: twin }] } };
    return { status: 200, body: { items: path.includes("jazz") ? [{ document: track }] : [] } };
  }
  if (path.startsWith("/api/search")) return { status: 200, body: { items: [] } };
  if (path.startsWith("/api/listening/trending"))
    return { status: 200, body: { items: [{ rank: 1, trackId: track.trackId, plays: 3 }] } };
  if (path === `/api/artist/tracks/${track.trackId}`)
    return { status: 200, body: { trackId: track.trackId, title: track.title } };
  return { status: 404, body: null };
};
const runTool = createToolRunner(read);

let server: Awaited<ReturnType<typeof startOfflineModel>>;
const settings = (): ModelSettings => ({
  baseURL: server.baseURL,
  apiKey: "not-needed-locally",
  model: offlineModelId,
  maxAttempts: 1,
  backoffMs: 10,
  callTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
  maxReplyTokens: 600,
  maxReplyChars: 4_000,
  maxToolRounds: 4,
});

async function ask(question: string) {
  const seen = { pieces: [] as string[], tools: [] as string[] };
  const reply = await createModel(settings()).reply(
    [
      { role: "system", content: "rules" },
      { role: "user", content: question },
    ],
    toolDefinitions,
    {
      onAttempt: () => {},
      onText: (p) => seen.pieces.push(p),
      onTool: (n) => seen.tools.push(n),
      runTool: (name, args) => runTool(name, args, "user-1"),
    },
  );
  return { reply, ...seen };
}

beforeAll(async () => {
  server = await startOfflineModel({ port: 0, paceMs: 1 });
});
afterAll(async () => server?.close());

describe("the offline demo model", () => {
  it("looks the question up with the guide's tools and streams an answer that links", async () => {
    const { reply, pieces, tools } = await ask("Which jazz tracks do you have?");
    expect(tools).toEqual(["search_catalog", "search_catalog"]);
    expect(reads.some((p) => p.includes("q=jazz&type=tracks"))).toBe(true);
    expect(pieces.length).toBeGreaterThan(5); // word by word, not one lump
    expect(reply.text).toBe(
      `Tracks in the catalog for jazz:\n- [Mediocre Jazz](/tracks/${track.trackId}) by [Angelo Klein](/artists/${track.artistId}) (from [Ten](/albums/${track.albumId}))`,
    );
    expect(reply.promptTokens).toBeGreaterThan(0);
    expect(reply.completionTokens).toBeGreaterThan(0);
    const grounded = ground(
      reply.text,
      reply.toolCalls.flatMap((c) => entitiesIn(c.result)),
    );
    expect(grounded.text).toContain(`[Mediocre Jazz](/tracks/${track.trackId})`);
    expect(grounded.text).toContain(`[Angelo Klein](/artists/${track.artistId})`);
    expect(grounded.unverified).toEqual([]);
  });

  it("links two tracks of the same title each to its own page", async () => {
    const { reply } = await ask("twins");
    const grounded = ground(
      reply.text,
      reply.toolCalls.flatMap((c) => entitiesIn(c.result)),
    );
    expect(grounded.text).toContain(`[Mediocre Jazz](/tracks/${track.trackId})`);
    expect(grounded.text).toContain(`[Mediocre Jazz](/tracks/${twin.trackId})`);
  });

  it("reads the trending tracks by id before naming them", async () => {
    const { reply, tools } = await ask("What is trending?");
    expect(tools).toEqual(["trending_now", "get_track"]);
    expect(reply.text).toBe(
      `Trending now on VobeMusic:\n- [Mediocre Jazz](/tracks/${track.trackId})`,
    );
  });

  it("says plainly when the catalog has nothing", async () => {
    const { reply } = await ask("Any polka?");
    expect(reply.text).toBe("I found nothing for polka in the VobeMusic catalog.");
  });

  it("answers whole when not asked to stream, and names itself", async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "x", maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: "anything",
      messages: [{ role: "user", content: "hello" }],
    });
    expect(answer.model).toBe(offlineModelId);
    expect(answer.choices[0]?.message.content).toContain("Ask me about an artist");
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([offlineModelId]);
  });
});
