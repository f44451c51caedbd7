/**
 * The embedded language model: SmolLM2-135M-Instruct in llama.cpp through node-llama-cpp,
 * loaded from the runtime installed at set-up (assets.ts), on the CPU, one reply at a time.
 *
 * Threads: one by default. node-llama-cpp's default is max(cores, 4); on a 2-core machine
 * shared with other work, llama.cpp's spinning worker threads then wait on each other and a
 * reply collapses (measured: 4 threads under load produced no reply in 12 minutes, 2 threads
 * 3.7 tokens/s, 1 thread 9–24 tokens/s; ADR-033).
 *
 *   const llm = await loadLocalLlm(assets);
 *   await llm.generate({ system, user, maxTokens: 96, onText: (s) => … });
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { LocalModelAssets } from "./assets.ts";

/** The model id it answers as (`/v1/models`, the reply events); the web app names it. */
export const localModelId = "smollm2-135m-instruct-local";

export interface LocalLlmSettings {
  /** llama.cpp threads (VOBE_LOCAL_MODEL_THREADS, 1). */
  threads: number;
  /** Context in tokens: the facts, the question and the answer fit in 2,048. */
  contextSize: number;
}

export interface Generation {
  system: string;
  user: string;
  /** The answer's first words, written for the model (node-llama-cpp hands them to onText). */
  prefix?: string;
  maxTokens: number;
  signal?: AbortSignal;
  onText(piece: string): void;
}

export interface LocalLlm {
  id: string;
  loadMs: number;
  /** Resolves when the answer is complete (or cut by maxTokens or the signal). */
  generate(g: Generation): Promise<{ promptTokens: number; completionTokens: number }>;
  close(): Promise<void>;
}

// The few parts of node-llama-cpp's API used here: the runtime is not a project dependency,
// so its types are not on the compiler's path (ADR-033).
interface Runtime {
  getLlama(o: Record<string, unknown>): Promise<Llama>;
  LlamaChatSession: new (o: { contextSequence: Sequence; systemPrompt: string }) => ChatSession;
}
interface Llama {
  loadModel(o: { modelPath: string }): Promise<Model>;
  dispose(): Promise<void>;
}
interface Model {
  createContext(o: Record<string, unknown>): Promise<Context>;
  tokenize(text: string): unknown[];
  dispose(): Promise<void>;
}
interface Context {
  getSequence(): Sequence;
  dispose(): Promise<void>;
}
interface Sequence {
  clearHistory(): Promise<void>;
}
interface ChatSession {
  prompt(text: string, o: Record<string, unknown>): Promise<string>;
  dispose(o: { disposeSequence: boolean }): void;
}

export async function loadLocalLlm(
  assets: LocalModelAssets,
  settings: LocalLlmSettings,
): Promise<LocalLlm> {
  const started = Date.now();
  const entry = join(assets.runtimeDir, "node_modules", "node-llama-cpp", "dist", "index.js");
  const runtime = (await import(pathToFileURL(entry).href)) as Runtime;
  // build "never": the prebuilt linux-x64 binary or nothing (no compiler on the machine).
  const llama = await runtime.getLlama({
    gpu: false,
    build: "never",
    maxThreads: settings.threads,
    logLevel: "error",
  });
  const model = await llama.loadModel({ modelPath: assets.modelPath });
  const context = await model.createContext({
    contextSize: settings.contextSize,
    threads: settings.threads,
    batchSize: 512,
  });
  const sequence = context.getSequence();
  // One sequence: replies take turns (the server queues them).
  let queue: Promise<unknown> = Promise.resolve();

  const generate = async (g: Generation) => {
    await sequence.clearHistory();
    const session = new runtime.LlamaChatSession({
      contextSequence: sequence,
      systemPrompt: g.system,
    });
    let completionTokens = 0;
    try {
      await session.prompt(g.user, {
        maxTokens: g.maxTokens,
        ...(g.prefix ? { responsePrefix: g.prefix } : {}),
        // Greedy: the same facts and question give the same answer; the penalty keeps a
        // small model from repeating a line.
        temperature: 0,
        repeatPenalty: { penalty: 1.15, lastTokens: 64 },
        ...(g.signal ? { signal: g.signal, stopOnAbortSignal: true } : {}),
        onTextChunk: (piece: string) => {
          completionTokens++;
          g.onText(piece);
        },
      });
    } finally {
      session.dispose({ disposeSequence: false });
    }
    return { promptTokens: model.tokenize(`${g.system}\n${g.user}`).length, completionTokens };
  };

  return {
    id: localModelId,
    loadMs: Date.now() - started,
    generate(g) {
      const turn = queue.then(() => generate(g));
      queue = turn.catch(() => {});
      return turn;
    },
    async close() {
      await queue;
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
