/** The guide's metrics (prom-client): tokens, latency, outcomes. Served on /metrics by serve.ts. */
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export function createGuideMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60];
  return {
    registry,
    tokens: new Counter({
      name: "vobe_guide_tokens_total",
      help: "Tokens sent to (prompt) and produced by (completion) the model",
      labelNames: ["kind", "model"] as const,
      registers: [registry],
    }),
    replies: new Counter({
      name: "vobe_guide_replies_total",
      help: "Replies published, by outcome (answered, error, limited)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    modelCalls: new Counter({
      name: "vobe_guide_model_attempts_total",
      help: "Model calls started (retries and tool rounds' attempts included)",
      registers: [registry],
    }),
    firstToken: new Histogram({
      name: "vobe_guide_first_token_seconds",
      help: "From the start of a model call to its first text",
      buckets: seconds,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "vobe_guide_reply_seconds",
      help: "From taking a user message to its reply committed on the log",
      labelNames: ["outcome"] as const,
      buckets: seconds,
      registers: [registry],
    }),
  };
}

export type GuideMetrics = ReturnType<typeof createGuideMetrics>;
