/**
 * The guide's read-only tools: each one is a GET on the API's read routes (the views and
 * search, ADR-012), asked as the user who wrote the message, so that "my history" is
 * theirs and nothing else is reachable. Results go back to the model as JSON text in a
 * `tool` message: data, never instructions (the system prompt says so, and nothing of a
 * result is ever put in the system or user role).
 */
import type { ChatCompletionTool } from "openai/resources/chat/completions";

/** A GET on the API as a user: the status and the JSON body. */
export type ReadApi = (path: string, userId: string) => Promise<{ status: number; body: unknown }>;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const fn = (
  name: string,
  description: string,
  properties: Record<string, unknown> = {},
  required: string[] = [],
): ChatCompletionTool => ({
  type: "function",
  function: {
    name,
    description,
    parameters: { type: "object", properties, required, additionalProperties: false },
  },
});

export const toolDefinitions: ChatCompletionTool[] = [
  fn(
    "search_catalog",
    "Full-text search of the VobeMusic catalog: tracks, artists or albums matching words.",
    {
      query: { type: "string", description: "Words to look for" },
      type: { type: "string", enum: ["tracks", "artists", "albums"] },
    },
    ["query"],
  ),
  fn(
    "get_track",
    "One track by id: title, album, artist, genre, duration, play and like counts.",
    { trackId: { type: "string" } },
    ["trackId"],
  ),
  fn("get_artist", "One artist by id, with their albums.", { artistId: { type: "string" } }, [
    "artistId",
  ]),
  fn("trending_now", "The most played tracks of the last closed hour."),
  fn("my_history", "The tracks the user asking played most recently."),
  fn("my_likes", "The tracks the user asking likes."),
];

/** At most this much of one result reaches the model (and the record). */
const maxResultChars = 6_000;

const parse = (args: string): Record<string, unknown> => {
  try {
    const value = JSON.parse(args || "{}");
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

const searchTypes = new Set(["tracks", "artists", "albums"]);

/** Runs one tool for `userId`; every failure is an answer the model can read, never a throw. */
export function createToolRunner(read: ReadApi) {
  const get = async (path: string, userId: string) => {
    const { status, body } = await read(path, userId);
    if (status === 404) return { found: false };
    if (status >= 400) return { error: `the catalog answered ${status}` };
    return body;
  };

  const run = async (name: string, args: string, userId: string): Promise<unknown> => {
    const a = parse(args);
    switch (name) {
      case "search_catalog": {
        const q = String(a.query ?? "").slice(0, 200);
        if (!q.trim()) return { error: "query is empty" };
        const type = searchTypes.has(String(a.type)) ? String(a.type) : "tracks";
        const answer = (await get(
          `/api/search?q=${encodeURIComponent(q)}&type=${type}&limit=5`,
          userId,
        )) as { items?: Array<{ document: unknown }> };
        return Array.isArray(answer.items)
          ? { type, results: answer.items.map((i) => i.document) }
          : answer;
      }
      case "get_track": {
        const id = String(a.trackId ?? "");
        if (!uuid.test(id)) return { error: "trackId must be a track's id (a UUID)" };
        const track = await get(`/api/artist/tracks/${id}`, userId);
        const plays = await get(`/api/listening/tracks/${id}/plays`, userId);
        return { track, plays };
      }
      case "get_artist": {
        const id = String(a.artistId ?? "");
        if (!uuid.test(id)) return { error: "artistId must be an artist's id (a UUID)" };
        return get(`/api/artist/artists/${id}`, userId);
      }
      case "trending_now":
        return get("/api/listening/trending?limit=10", userId);
      case "my_history":
        return get("/api/listening/me/history?limit=10", userId);
      case "my_likes":
        return get("/api/listening/me/likes?limit=20", userId);
      default:
        return { error: `no tool named ${name}` };
    }
  };

  return async (name: string, args: string, userId: string): Promise<string> => {
    let result: unknown;
    try {
      result = await run(name, args, userId);
    } catch (error) {
      result = { error: `the tool failed: ${(error as Error).message}` };
    }
    const text = JSON.stringify(result);
    return text.length <= maxResultChars
      ? text
      : JSON.stringify({ truncated: true, partial: text.slice(0, maxResultChars) });
  };
}

/** The API over HTTP, as `userId` (a short token the worker mints with the API's secret). */
export function httpReadApi(options: {
  baseUrl: string;
  token: (userId: string) => Promise<string>;
  timeoutMs?: number;
}): ReadApi {
  return async (path, userId) => {
    const res = await fetch(`${options.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${await options.token(userId)}` },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    const body = await res.json().catch(() => null);
    return { status: res.status, body };
  };
}
