/**
 * A local server speaking the OpenAI chat completions protocol (streaming SSE chunks) with
 * scripted answers: text in pieces at a pace, tool calls, errors (429, 500), a malformed
 * chunk, a stream cut before its end, a silent hang; it counts the calls it got and the
 * ones a client cancelled. The guide's tests and the evaluation set talk to it through the
 * real `openai` client.
 *
 *   const fake = await startFakeOpenAI();
 *   fake.script({ text: "Hello there", pieceDelayMs: 50 });      // the next call
 *   fake.respond((req) => ({ text: "…" }));                        // every call after the scripts
 *   … OPENAI_BASE_URL = fake.baseURL …
 *   await fake.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type FakeAnswer =
  | {
      text: string;
      pieces?: number;
      pieceDelayMs?: number;
      usage?: boolean;
      /** The stream does not finish before this settles (a reply held open mid-stream). */
      hold?: Promise<unknown>;
    }
  | { toolCalls: FakeToolCall[] }
  | { status: number; retryAfterSeconds?: number }
  | { malformed: true }
  | { cut: string }
  | { hang: true };

export interface FakeRequest {
  model: string;
  messages: Array<{
    role: string;
    content?: string | null;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
    tool_call_id?: string;
  }>;
  tools?: Array<{ function: { name: string } }>;
  stream?: boolean;
}

export interface FakeOpenAI {
  baseURL: string;
  /** Answers for the next calls, in order. */
  script(...answers: FakeAnswer[]): void;
  /** The answer for calls when no script is left (default: a short text). */
  respond(fn: (request: FakeRequest) => FakeAnswer): void;
  /** Every call's body, in order. */
  requests: FakeRequest[];
  /** Calls whose client went away before the answer ended. */
  cancelled(): number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: FakeAnswer[] = [];
  let fallback: (request: FakeRequest) => FakeAnswer = () => ({ text: "Hello from the fake." });
  const requests: FakeRequest[] = [];
  let cancelled = 0;
  let n = 0;

  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: `chatcmpl-fake-${n}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: "fake-model",
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  const stream = async (req: IncomingMessage, res: ServerResponse, answer: FakeAnswer) => {
    let gone = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        gone = true;
        cancelled += 1;
      }
    });
    if ("status" in answer) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (answer.retryAfterSeconds) headers["retry-after"] = String(answer.retryAfterSeconds);
      res.writeHead(answer.status, headers);
      res.end(JSON.stringify({ error: { message: `scripted ${answer.status}`, type: "fake" } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    send(chunk({ role: "assistant", content: "" }));
    if ("hang" in answer) {
      await new Promise<void>((resolve) => req.on("close", () => resolve()));
      return;
    }
    if ("malformed" in answer) {
      res.write("data: {not json\n\n");
      res.end();
      return;
    }
    if ("cut" in answer) {
      send(chunk({ content: answer.cut }));
      res.end();
      return;
    }
    if ("toolCalls" in answer) {
      answer.toolCalls.forEach((call, index) => {
        send(
          chunk({
            tool_calls: [
              {
                index,
                id: `call_${n}_${index}`,
                type: "function",
                function: { name: call.name, arguments: "" },
              },
            ],
          }),
        );
        send(
          chunk({
            tool_calls: [{ index, function: { arguments: JSON.stringify(call.arguments) } }],
          }),
        );
      });
      send(chunk({}, "tool_calls"));
      res.end("data: [DONE]\n\n");
      return;
    }
    const pieces = answer.pieces ?? Math.max(1, Math.ceil(answer.text.length / 8));
    const size = Math.ceil(answer.text.length / pieces);
    for (let i = 0; i < answer.text.length && !gone; i += size) {
      if (answer.pieceDelayMs) await sleep(answer.pieceDelayMs);
      if (gone) return;
      send(chunk({ content: answer.text.slice(i, i + size) }));
    }
    if (answer.hold) await answer.hold;
    if (gone) return;
    send(chunk({}, "stop"));
    if (answer.usage !== false) {
      res.write(
        `data: ${JSON.stringify({ ...chunk({}), choices: [], usage: { prompt_tokens: 42, completion_tokens: Math.ceil(answer.text.length / 4), total_tokens: 0 } })}\n\n`,
      );
    }
    res.end("data: [DONE]\n\n");
  };

  const server = createServer((req, res) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      n += 1;
      const request = JSON.parse(body) as FakeRequest;
      requests.push(request);
      const answer = queue.shift() ?? fallback(request);
      stream(req, res, answer).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    script: (...answers) => queue.push(...answers),
    respond: (fn) => {
      fallback = fn;
    },
    requests,
    cancelled: () => cancelled,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
