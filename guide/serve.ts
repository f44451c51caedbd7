/**
 * `vobe serve guide`: the reply worker in the foreground, with /health and /metrics on
 * VOBE_GUIDE_PORT (9466). Prints "guide: ready" once it has caught up with the log.
 * VOBE_TOPIC_PREFIX runs it on a prefixed catalog (tests).
 */
import { createServer } from "node:http";
import { createAuth, jwtSecretFromEnv } from "../api/http/auth.ts";
import type { Endpoints } from "../platform/config/endpoints.ts";
import { createLogger, useProcessLogger } from "../platform/telemetry/log.ts";
import { guideConfigFromEnv, servedModelId, usesOfflineModel } from "./config.ts";
import { createGuideMetrics } from "./metrics.ts";
import { createModel } from "./model.ts";
import { createToolRunner, httpReadApi, toolDefinitions } from "./tools.ts";
import { createGuideWorker } from "./worker.ts";

export async function runGuide(endpoints: Endpoints, env: NodeJS.ProcessEnv = process.env) {
  const config = guideConfigFromEnv(env);
  const log = useProcessLogger(createLogger("guide"));
  const metrics = createGuideMetrics();
  if (usesOfflineModel(env) && !env.VOBE_CHAT_MODEL) {
    // The local server says what answers: the embedded model or its offline fallback.
    const served = await servedModelId(config.model.baseURL);
    if (served) config.model.model = served;
    else
      log.warn({ baseURL: config.model.baseURL }, "guide: the local model server did not answer");
    log.info({ model: config.model.model }, "guide: model");
  }
  // The tools read as the user who asked: a short token, signed with the API's secret.
  const auth = createAuth({ secret: jwtSecretFromEnv(env), ttlSeconds: 120 });
  const read = httpReadApi({
    baseUrl: config.apiUrl,
    token: async (userId) => (await auth.issue({ userId, role: "listener", username: "" })).token,
  });
  const runTool = createToolRunner(read);
  let healthy = false;
  const worker = createGuideWorker({
    brokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    prefix: env.VOBE_TOPIC_PREFIX ?? "",
    model: createModel(config.model),
    tools: toolDefinitions,
    runTool,
    limits: config.limits,
    historyTokens: config.historyTokens,
    concurrency: config.concurrency,
    metrics,
    // A line with an error is something the worker coped with (a retry, an error reply).
    log: (fields, message) =>
      fields.err !== undefined ? log.warn(fields, message) : log.info(fields, message),
    onFenced: () => {
      healthy = false;
      log.error("guide: fenced by a newer instance; exiting");
      process.exit(3);
    },
  });
  const server = createServer(async (req, res) => {
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (req.url === "/health") {
      res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ healthy, model: config.model.model, ...worker.stats() }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(config.port, "127.0.0.1", resolve));
  await worker.start();
  healthy = true;
  // The readiness line a supervisor waits for, as an exact line (tests/support/processes.ts);
  // the shipper keeps a line that is not JSON as its message.
  console.log("guide: ready");
  const stop = async () => {
    healthy = false;
    server.close();
    await worker.stop();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
