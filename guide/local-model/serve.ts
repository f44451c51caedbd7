/**
 * `vobe serve model`: the guide's local model server with the embedded language model
 * behind it when it can be had, the offline demo responder when not. Fetches and installs
 * the model's files on first use (assets.ts), loads the model, then listens; a failure at
 * any step is logged and said by /health (`llm: false`, `note`), and the offline responder
 * answers instead, so the guide still answers (ADR-033).
 *
 *   const server = await startGuideModel(process.env, console.log);
 */
import { offlineModelPort } from "../config.ts";
import { offlineResponder, type Responder, startOfflineModel } from "../offline-model/server.ts";
import { ensureLocalModelAssets, localModelDir } from "./assets.ts";
import { type LocalLlm, loadLocalLlm } from "./llm.ts";
import { localLlmResponder } from "./responder.ts";

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1) => {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected a whole number`);
  return n;
};

export interface LocalModelSettings {
  /** VOBE_LOCAL_MODEL=off: the offline responder without trying the model. */
  enabled: boolean;
  dir: string;
  threads: number;
  contextSize: number;
  /** The most a reply's prose may take, whatever the request asks (a CPU's seconds). */
  maxTokens: number;
  /** Fetch, install and load together, or the offline responder answers. */
  setupTimeoutMs: number;
}

export const localModelSettingsFromEnv = (env: NodeJS.ProcessEnv): LocalModelSettings => ({
  enabled: env.VOBE_LOCAL_MODEL !== "off",
  dir: localModelDir(env),
  threads: int(env, "VOBE_LOCAL_MODEL_THREADS", 1),
  contextSize: int(env, "VOBE_LOCAL_MODEL_CONTEXT", 2_048, 256),
  maxTokens: int(env, "VOBE_LOCAL_MODEL_MAX_TOKENS", 64),
  setupTimeoutMs: int(env, "VOBE_LOCAL_MODEL_SETUP_TIMEOUT_MS", 480_000),
});

/** The embedded model, or the reason it is not there. */
export async function loadEmbeddedModel(
  settings: LocalModelSettings,
  log: (line: string) => void,
): Promise<{ llm: LocalLlm } | { reason: string }> {
  if (!settings.enabled) return { reason: "VOBE_LOCAL_MODEL=off" };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`not ready after ${settings.setupTimeoutMs / 1000} s`)),
      settings.setupTimeoutMs,
    );
  });
  try {
    const load = (async () => {
      const assets = await ensureLocalModelAssets({ dir: settings.dir, log });
      return loadLocalLlm(assets, settings);
    })();
    const llm = await Promise.race([load, timeout]);
    log(
      `local model: ${llm.id} loaded in ${(llm.loadMs / 1000).toFixed(1)} s (${settings.threads} thread(s))`,
    );
    return { llm };
  } catch (error) {
    return { reason: String((error as Error)?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

export async function startGuideModel(env: NodeJS.ProcessEnv, log: (line: string) => void) {
  const settings = localModelSettingsFromEnv(env);
  const loaded = await loadEmbeddedModel(settings, log);
  let responder: Responder;
  if ("llm" in loaded) {
    responder = localLlmResponder(loaded.llm, { maxTokens: settings.maxTokens });
  } else {
    const note = `the embedded model is not available (${loaded.reason}); the offline demo model answers`;
    log(`local model: ${note}`);
    responder = offlineResponder(25, note);
  }
  const server = await startOfflineModel({ port: offlineModelPort(env), responder });
  return {
    ...server,
    async close() {
      await server.close();
      if ("llm" in loaded) await loaded.llm.close();
    },
  };
}
