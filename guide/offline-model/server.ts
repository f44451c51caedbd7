/**
 * The offline demo model's HTTP server: the OpenAI chat completions protocol (POST
 * /v1/chat/completions, streamed as SSE chunks or answered whole; tool calls; usage), GET
 * /v1/models, GET /health. What it says comes from responder.ts: retrieval and templates,
 * not a language model. `vobe start` runs it when no OpenAI endpoint or key is configured
 * (ADR-024), so the guide answers on a machine with no network and no model weights.
 *
 *   const server = await startOfflineModel({ port: 8089 });   … server.close();
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type OfflineRequest, piecesOf, respond } from "./responder.ts";

/** The id it answers as: the web app names it "offline demo model (not an LLM)". */
export const offlineModelId = "vobe-offline-demo";

export interface OfflineModelOptions {
  port: number;
  host?: string;
  /** A pause between streamed pieces, so a person sees the reply arrive as it does from a model. */
  paceMs?: number;
}

const maxBody = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
  const paceMs = options.paceMs ?? 25;

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
    const answer = respond(body);
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const model = offlineModelId;
    const prompt = tokens(JSON.stringify(body.messages));
    const calls =
      "toolCalls" in answer
        ? answer.toolCalls.map((c, i) => ({
            id: `call_${randomUUID().slice(0, 8)}_${i}`,
            type: "function" as const,
            function: { name: c.name, arguments: c.arguments },
          }))
        : [];
    const text = "text" in answer ? answer.text : "";
    const finish = calls.length > 0 ? "tool_calls" : "stop";
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: tokens(text) + tokens(JSON.stringify(calls)),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

    if (!body.stream) {
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
          usage,
        }),
      );
      return;
    }

    let gone = false;
    res.on("close", () => {
      gone = !res.writableFinished;
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
      );
    chunk({ role: "assistant", content: "" });
    for (const [index, c] of calls.entries()) chunk({ tool_calls: [{ index, ...c }] });
    for (const piece of piecesOf(text)) {
      if (paceMs > 0) await sleep(paceMs);
      if (gone) return;
      chunk({ content: piece });
    }
    if (gone) return;
    chunk({}, finish);
    if (body.stream_options?.include_usage) {
      res.write(
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
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
          data: [{ id: offlineModelId, object: "model", created: 0, owned_by: "vobemusic" }],
        }),
      );
      return;
    }
    if (req.method === "GET" && path === "/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ healthy: true, model: offlineModelId, llm: false }));
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
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
