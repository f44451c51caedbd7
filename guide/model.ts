/**
 * One reply from an OpenAI-compatible chat completions endpoint, streamed: text pieces are
 * handed to `onText` as they come, tool calls are run between rounds, and a failing model
 * (429, 5xx, no connection, a timeout, a malformed or cut stream) is tried again with
 * backoff. The client's own retries are off: a retry must start the streamed text over
 * (`onAttempt`), which only this loop knows.
 */
import OpenAI, { APIError, APIUserAbortError } from "openai";
import type {
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from "openai/resources/chat/completions";

export interface ModelSettings {
  baseURL: string;
  apiKey: string;
  model: string;
  /** Tries per reply (first call included). */
  maxAttempts: number;
  /** First backoff; doubled per retry, with jitter. */
  backoffMs: number;
  /** A call that has not finished after this is cut off and tried again. */
  callTimeoutMs: number;
  /** Silence in a stream longer than this is a timeout too. */
  idleTimeoutMs: number;
  maxReplyTokens: number;
  maxReplyChars: number;
  maxToolRounds: number;
}

export interface ToolRun {
  callId: string;
  name: string;
  arguments: string;
  result: string;
}

export interface ModelReply {
  text: string;
  toolCalls: ToolRun[];
  promptTokens: number;
  completionTokens: number;
  attempts: number;
  /** From the start of the successful attempt to its first text. */
  firstTokenMs: number | null;
  latencyMs: number;
  truncated: boolean;
}

export type ModelErrorCode =
  | "model_rate_limited"
  | "model_unavailable"
  | "model_timeout"
  | "model_malformed"
  | "model_refused";

export class ModelError extends Error {
  /** Calls made before giving up. */
  attempts = 0;
  constructor(
    readonly code: ModelErrorCode,
    readonly retryable: boolean,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface ReplyHooks {
  /** A new attempt starts: text handed out before belongs to a failed one. */
  onAttempt(attempt: number): void;
  onText(piece: string): void;
  onTool(name: string): void;
  runTool(name: string, args: string): Promise<string>;
}

const estimateTokens = (text: string) => Math.ceil(text.length / 4);
const maxCallsPerRound = 5;

/** What went wrong, as a code and whether another try may help. */
export function classify(error: unknown, timedOut: boolean): ModelError {
  // First: a call cut off by our timer may end as an early end of stream, or an abort.
  if (timedOut) return new ModelError("model_timeout", true, "the model did not answer in time");
  if (error instanceof ModelError) return error;
  if (error instanceof APIUserAbortError)
    return new ModelError("model_timeout", true, "the call was cut off");
  if (error instanceof APIError && error.status !== undefined) {
    const retryAfter = Number(error.headers?.get?.("retry-after"));
    const after = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
    if (error.status === 429)
      return new ModelError("model_rate_limited", true, error.message, after);
    if (error.status >= 500) return new ModelError("model_unavailable", true, error.message, after);
    return new ModelError("model_refused", false, error.message);
  }
  if (error instanceof APIError) return new ModelError("model_unavailable", true, error.message);
  // The SDK's stream parser throws SyntaxError on a data line that is not JSON.
  if (error instanceof SyntaxError) return new ModelError("model_malformed", true, error.message);
  return new ModelError("model_unavailable", true, String((error as Error)?.message ?? error));
}

export function createModel(settings: ModelSettings) {
  const client = new OpenAI({
    baseURL: settings.baseURL,
    apiKey: settings.apiKey,
    maxRetries: 0,
    timeout: settings.callTimeoutMs,
  });

  /** One attempt: rounds of streaming, running the tools the model asks for in between. */
  const attempt = async (
    messages: ChatCompletionMessageParam[],
    tools: ChatCompletionTool[],
    hooks: ReplyHooks,
    signal: AbortSignal,
    touch: () => void,
    started: number,
  ) => {
    const convo = [...messages];
    const runs: ToolRun[] = [];
    let text = "";
    let promptTokens = 0;
    let completionTokens = 0;
    let firstTokenMs: number | null = null;
    let truncated = false;
    for (let round = 0; ; round++) {
      const lastRound = round >= settings.maxToolRounds;
      const stream = await client.chat.completions.create(
        {
          model: settings.model,
          messages: convo,
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: settings.maxReplyTokens,
          ...(tools.length > 0 && !lastRound ? { tools } : {}),
        },
        { signal },
      );
      let finish: string | null = null;
      let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
      let roundText = "";
      const calls: Array<{ id: string; name: string; args: string }> = [];
      for await (const chunk of stream) {
        touch();
        if (chunk.usage) usage = chunk.usage;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const piece = choice.delta?.content ?? "";
        if (piece) {
          if (firstTokenMs === null) firstTokenMs = Date.now() - started;
          const room = settings.maxReplyChars - text.length;
          const kept = piece.slice(0, Math.max(0, room));
          text += kept;
          roundText += kept;
          if (kept) hooks.onText(kept);
          if (kept.length < piece.length) {
            truncated = true;
            finish = "length";
            break;
          }
        }
        for (const call of choice.delta?.tool_calls ?? []) {
          const at = calls[call.index] ?? { id: "", name: "", args: "" };
          if (call.id) at.id = call.id;
          if (call.function?.name) at.name += call.function.name;
          if (call.function?.arguments) at.args += call.function.arguments;
          calls[call.index] = at;
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (finish === null) throw new ModelError("model_malformed", true, "the stream ended early");
      const sent = convo.map((m) => JSON.stringify(m.content ?? "")).join("");
      promptTokens += usage?.prompt_tokens ?? estimateTokens(sent);
      completionTokens += usage?.completion_tokens ?? estimateTokens(roundText);
      // A bound on the work one round may ask for (each call is a read of the API).
      const wanted = calls.filter((c) => c?.name).slice(0, maxCallsPerRound);
      if (finish !== "tool_calls" || wanted.length === 0 || lastRound || truncated) {
        if (finish === "length") truncated = true;
        return { text, runs, promptTokens, completionTokens, firstTokenMs, truncated };
      }
      const toolCalls: ChatCompletionMessageFunctionToolCall[] = wanted.map((c, i) => ({
        id: c.id || `call_${round}_${i}`,
        type: "function",
        function: { name: c.name, arguments: c.args || "{}" },
      }));
      convo.push({ role: "assistant", content: roundText || null, tool_calls: toolCalls });
      for (const call of toolCalls) {
        hooks.onTool(call.function.name);
        const result = await hooks.runTool(call.function.name, call.function.arguments);
        runs.push({
          callId: call.id,
          name: call.function.name,
          arguments: call.function.arguments,
          result,
        });
        convo.push({ role: "tool", tool_call_id: call.id, content: result });
      }
    }
  };

  return {
    model: settings.model,
    /** Resolves with the reply, or rejects with a ModelError once the tries are spent. */
    async reply(
      messages: ChatCompletionMessageParam[],
      tools: ChatCompletionTool[],
      hooks: ReplyHooks,
    ): Promise<ModelReply> {
      let last: ModelError | undefined;
      let tried = 0;
      for (let n = 1; n <= settings.maxAttempts; n++) {
        tried = n;
        hooks.onAttempt(n);
        const started = Date.now();
        const controller = new AbortController();
        let timedOut = false;
        const cut = () => {
          timedOut = true;
          controller.abort();
        };
        const total = setTimeout(cut, settings.callTimeoutMs);
        let idle = setTimeout(cut, settings.idleTimeoutMs);
        const touch = () => {
          clearTimeout(idle);
          idle = setTimeout(cut, settings.idleTimeoutMs);
        };
        try {
          const r = await attempt(messages, tools, hooks, controller.signal, touch, started);
          return {
            text: r.text,
            toolCalls: r.runs,
            promptTokens: r.promptTokens,
            completionTokens: r.completionTokens,
            attempts: n,
            firstTokenMs: r.firstTokenMs,
            latencyMs: Date.now() - started,
            truncated: r.truncated,
          };
        } catch (error) {
          last = classify(error, timedOut);
          if (!last.retryable) break;
        } finally {
          clearTimeout(total);
          clearTimeout(idle);
        }
        if (n < settings.maxAttempts) {
          const backoff = settings.backoffMs * 2 ** (n - 1) * (0.75 + Math.random() / 2);
          const wait = Math.min(last.retryAfterMs ?? backoff, settings.callTimeoutMs);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
      const failure = last ?? new ModelError("model_unavailable", false, "no attempt was made");
      failure.attempts = Math.min(tried, settings.maxAttempts);
      throw failure;
    },
  };
}

export type Model = ReturnType<typeof createModel>;
