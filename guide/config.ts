/** The guide's settings from the environment; every limit has a default that suits a demo. */
import type { LimitSettings } from "./limits.ts";
import type { ModelSettings } from "./model.ts";
import { offlineModelId } from "./offline-model/server.ts";

export interface GuideConfig {
  model: ModelSettings;
  limits: LimitSettings;
  historyTokens: number;
  concurrency: number;
  /** Where the tools read: the API's read routes. */
  apiUrl: string;
  port: number;
}

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number) => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a whole number`);
  return n;
};

/**
 * No endpoint and no key: the guide talks to the local model server that `vobe start` runs
 * (`vobe serve model`): the embedded SmolLM2-135M (guide/local-model/), or the offline demo
 * model (guide/offline-model/, retrieval and templates) when that could not load.
 */
export const usesOfflineModel = (env: NodeJS.ProcessEnv = process.env) =>
  !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY;

/**
 * The id the local model server answers as (the embedded model's, or the offline demo
 * model's when it fell back), so each reply records which model wrote it. Asked once at
 * the guide's start; `vobe start` starts the model server first.
 */
export async function servedModelId(baseURL: string, waitMs = 60_000): Promise<string | undefined> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const res = await fetch(`${baseURL}/models`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) {
        const body = (await res.json()) as { data?: Array<{ id?: string }> };
        const id = body.data?.[0]?.id;
        if (id) return id;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > until) return undefined;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export const offlineModelPort = (env: NodeJS.ProcessEnv = process.env) =>
  int(env, "VOBE_MODEL_PORT", 8089);

export function guideConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GuideConfig {
  const offline = usesOfflineModel(env);
  return {
    model: {
      // A key alone is OpenAI's own endpoint (the client's default).
      baseURL: offline
        ? `http://127.0.0.1:${offlineModelPort(env)}/v1`
        : env.OPENAI_BASE_URL || "https://api.openai.com/v1",
      apiKey: env.OPENAI_API_KEY || "not-needed-locally",
      model: env.VOBE_CHAT_MODEL || (offline ? offlineModelId : "gpt-4o-mini"),
      maxAttempts: int(env, "VOBE_GUIDE_MAX_ATTEMPTS", 3),
      backoffMs: int(env, "VOBE_GUIDE_BACKOFF_MS", 500),
      callTimeoutMs: int(env, "VOBE_GUIDE_CALL_TIMEOUT_MS", 60_000),
      idleTimeoutMs: int(env, "VOBE_GUIDE_IDLE_TIMEOUT_MS", 20_000),
      maxReplyTokens: int(env, "VOBE_GUIDE_MAX_REPLY_TOKENS", 600),
      maxReplyChars: int(env, "VOBE_GUIDE_MAX_REPLY_CHARS", 4_000),
      maxToolRounds: int(env, "VOBE_GUIDE_MAX_TOOL_ROUNDS", 4),
    },
    limits: {
      repliesPerMinute: int(env, "VOBE_GUIDE_REPLIES_PER_MINUTE", 10),
      tokensPerDay: int(env, "VOBE_GUIDE_TOKENS_PER_DAY", 200_000),
    },
    historyTokens: int(env, "VOBE_GUIDE_HISTORY_TOKENS", 1_500),
    concurrency: int(env, "VOBE_GUIDE_CONCURRENCY", 4),
    apiUrl: env.VOBE_GUIDE_API_URL || `http://127.0.0.1:${env.VOBE_API_PORT || 8080}`,
    port: int(env, "VOBE_GUIDE_PORT", 9466),
  };
}
