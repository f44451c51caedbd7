/**
 * The embedded model behind the guide's model server: retrieve, then ask. A 135M model does
 * not call tools reliably, so the offline responder's retrieval picks the tool calls (search,
 * trending, likes, history, then the tracks named by id), and only then is the language
 * model asked, with the facts those tools returned in its prompt. Its prose is followed by
 * the retrieved tracks and artists as links to their pages (the template's list), so a
 * reply names nothing without a link even when a small model garbles a title; the guide's
 * grounding then links or marks what the prose names (ADR-033).
 *
 * Not asked of the model: a question with nothing found (the honest "nothing in the
 * catalog" needs no model, and a small one would invent tracks), and a question in Russian
 * (SmolLM2 writes English only); those get the offline responder's text.
 *
 *   startOfflineModel({ port, responder: localLlmResponder(llm, { maxTokens: 96 }) })
 */
import type { OfflineRequest } from "../offline-model/responder.ts";
import { respond, retrieved, type Track } from "../offline-model/responder.ts";
import type { Responder } from "../offline-model/server.ts";
import type { LocalLlm } from "./llm.ts";

const cyrillic = /[\u0400-\u04ff]/;
const maxFacts = 5;

const quoted = (s: string) => `"${s.replace(/["\n]/g, " ").slice(0, 120)}"`;

/**
 * The catalog facts as plain sentences: given as a list, a small model copies the list back
 * instead of answering.
 */
export function factLines(tracks: Track[], artists: Array<{ name: string; genres?: string[] }>) {
  const lines: string[] = [];
  for (const t of tracks.filter((x) => x.title).slice(0, maxFacts)) {
    const by = t.artistName ? ` by ${t.artistName}` : "";
    const album = t.albumTitle ? `, on the album ${quoted(t.albumTitle)}` : "";
    lines.push(`VobeMusic has the track ${quoted(t.title as string)}${by}${album}.`);
  }
  for (const a of artists.slice(0, 3)) {
    const genres = a.genres?.length ? ` (${a.genres.slice(0, 3).join(", ")})` : "";
    lines.push(`VobeMusic has the artist ${a.name}${genres}.`);
  }
  return lines;
}

export const systemPromptFor = (facts: string[]) =>
  [
    "You are the guide of VobeMusic, a music site. Answer the listener in two short sentences,",
    "using only these facts. Write track titles in double quotes.",
    facts.join(" "),
  ].join("\n");

/** How the answer starts: a small model then talks about the catalog, not about itself. */
export const answerStart = "In the VobeMusic catalog, ";

export function localLlmResponder(llm: LocalLlm, options: { maxTokens: number }): Responder {
  return {
    id: llm.id,
    llm: true,
    async answer(request: OfflineRequest & { max_tokens?: number }) {
      const next = respond(request);
      if ("toolCalls" in next) return next;
      const { question, tracks, artists } = retrieved(request);
      const facts = factLines(tracks, artists);
      const sources = next.text;
      if (facts.length === 0 || cyrillic.test(question)) {
        return {
          async text(write) {
            write(sources);
            return undefined;
          },
        };
      }
      const maxTokens = Math.max(1, Math.min(options.maxTokens, request.max_tokens ?? Infinity));
      return {
        async text(write, signal) {
          const usage = await llm.generate({
            system: systemPromptFor(facts),
            user: question,
            prefix: answerStart,
            maxTokens,
            signal,
            onText: write,
          });
          if (!signal.aborted) write(`\n\n${sources}`);
          return usage;
        },
      };
    },
  };
}
