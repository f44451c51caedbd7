/**
 * The guide's local model server: the OpenAI chat completions protocol (POST
 * /v1/chat/completions, streamed as SSE chunks or answered whole; tool calls; usage), GET
 * /v1/models, GET /health. What it says comes from a responder: by default the offline demo
 * responder (responder.ts: retrieval and templates, not a language model); `vobe serve model`
 * passes the embedded language model's (guide/local-model/, ADR-033) when it could load it.
 * `vobe start` runs it when no OpenAI endpoint or key is configured (ADR-024), so the guide
 * answers on a machine with no network to a model provider.
 *
 *   const server = await startOfflineModel({ port: 8089 });   … server.close();
 *   await startOfflineModel({ port, responder: localLlmResponder(llm) });
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type OfflineRequest, piecesOf, respond } from "./responder.ts";

/** The id it answers as: the web app names it "offline demo model (not an LLM)". */
export const offlineModelId = "vobe-offline-demo";

/** The next step of one request: tool calls to make, or the answer's text as it comes. */
export type ResponderAnswer =
  | { toolCalls: Array<{ name: string; arguments: string }> }
  | {
      /** Writes the text piece by piece; resolves with the usage when known. */
      text(
        write: (piece: string) => void,
        signal: AbortSignal,
      ): Promise<{ promptTokens: number; completionTokens: number } | undefined>;
    };

/** Who answers behind the protocol. */
export interface Responder {
  /** The model id it reports (and the guide records with each reply). */
  id: string;
  /** A language model (true) or the offline templates (false): /health says which. */
  llm: boolean;
  /** Why this responder and not another (the fallback's reason), for /health. */
  note?: string;
  answer(request: OfflineRequest): Promise<ResponderAnswer>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The offline demo responder: templates, streamed word by word at a reader's pace. */
export function offlineResponder(paceMs = 25, note?: string): Responder {
  return {
    id: offlineModelId,
    llm: false,
    ...(note ? { note } : {}),
    async answer(request) {
      const answer = respond(request);
      if ("toolCalls" in answer) return answer;
      return {
        async text(write, signal) {
          for (const piece of piecesOf(answer.text)) {
            if (paceMs > 0) await sleep(paceMs);
            if (signal.aborted) break;
            write(piece);
          }
          return undefined;
        },
      };
    },
  };
}

export interface OfflineModelOptions {
  port: number;
  host?: string;
  /** A pause between the offline responder's pieces, so a person sees the reply arrive. */
  paceMs?: number;
  /** Who answers: the offline demo responder unless given. */
  responder?: Responder;
  /**
   * While an answer has not started (a language model busy with another reply), an empty
   * chunk this often keeps the caller's idle timer from taking the wait for a dead stream.
   */
  keepAliveMs?: number;
}

const maxBody = 1024 * 1024;
const tokens = (s: string) => Math.ceil(s.length / 4);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
      if (body.length > maxBody) reject(Object.assign(new Error("too large"), { status: 413 }));
    });
    req.on("end", () => resolve(body));
    req.on("error", reject);
  });
}

const fail = (res: ServerResponse, status: number, message: string) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type: "invalid_request_error" } }));
};

export async function startOfflineModel(options: OfflineModelOptions) {
  const responder = options.responder ?? offlineResponder(options.paceMs ?? 25);
  const keepAliveMs = options.keepAliveMs ?? 5_000;

  const complete = async (req: IncomingMessage, res: ServerResponse) => {
    let body: {
      model?: string;
      stream?: boolean;
      stream_options?: { include_usage?: boolean };
    } & OfflineRequest;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      return fail(res, (error as { status?: number }).status ?? 400, "the body is not JSON");
    }
    if (!Array.isArray(body?.messages)) return fail(res, 400, "messages is required");
    // The caller hanging up stops the answer (a model stops generating).
    const gone = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    const answer = await responder.answer(body);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = responder.id;
    const calls =
      "toolCalls" in answer
        ? answer.toolCalls.map((c, i) => ({
            id: `call_${randomUUID().slice(0, 8)}_${i}`,
            type: "function" as const,
            function: { name: c.name, arguments: c.arguments },
          }))
        : [];
    const finish = calls.length > 0 ? "tool_calls" : "stop";
    const usageOf = (text: string, known?: { promptTokens: number; completionTokens: number }) => {
      const prompt_tokens = known?.promptTokens ?? tokens(JSON.stringify(body.messages));
      const completion_tokens =
        known?.completionTokens ?? tokens(text) + tokens(JSON.stringify(calls));
      return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
    };

    if (!body.stream) {
      let text = "";
      const known =
        "text" in answer
          ? await answer.text((piece) => {
              text += piece;
            }, gone.signal)
          : undefined;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id,
          object: "chat.completion",
          created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                content: calls.length > 0 ? null : text,
                ...(calls.length > 0 ? { tool_calls: calls } : {}),
              },
              finish_reason: finish,
            },
          ],
          usage: usageOf(text, known),
        }),
      );
      return;
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
      );
    chunk({ role: "assistant", content: "" });
    for (const [index, c] of calls.entries()) chunk({ tool_calls: [{ index, ...c }] });
    let text = "";
    let known: { promptTokens: number; completionTokens: number } | undefined;
    if ("text" in answer) {
      let started = false;
      const keepAlive = setInterval(() => {
        if (!started && !gone.signal.aborted) chunk({});
      }, keepAliveMs);
      try {
        known = await answer.text((piece) => {
          started = true;
          text += piece;
          if (!gone.signal.aborted) chunk({ content: piece });
        }, gone.signal);
      } finally {
        clearInterval(keepAlive);
      }
    }
    if (gone.signal.aborted) return;
    chunk({}, finish);
    if (body.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: usageOf(text, known) })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "POST" && path === "/v1/chat/completions") {
      complete(req, res).catch(() => res.destroy());
      return;
    }
    if (req.method === "GET" && path === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          object: "list",
          data: [{ id: responder.id, object: "model", created: 0, owned_by: "vobemusic" }],
        }),
      );
      return;
    }
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          healthy: true,
          model: responder.id,
          llm: responder.llm,
          ...(responder.note ? { note: responder.note } : {}),
        }),
      );
      return;
    }
    fail(res, 404, "not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    responder,
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
