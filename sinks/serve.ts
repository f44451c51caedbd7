import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
/**
 * `vobe serve sinks`: every view's sink in one process until SIGINT/SIGTERM. Prints
 * "sinks running" once every sink has started (tests and `vobe start` wait for it).
 */
import type { Endpoints } from "../platform/config/endpoints.ts";
import { connectSearch } from "../platform/search/connect.ts";
import type { SearchEngine } from "../platform/search/engine.ts";
import { createLogger, type Logger, useProcessLogger } from "../platform/telemetry/log.ts";
import { startTracing, stopTracing } from "../platform/telemetry/tracing.ts";
import { followViewCommands } from "./commands.ts";
import type { SinkLog, ViewDefinition } from "./engine/index.ts";
import { metricsContentType, sinksProcessRegistry, startSinkLag } from "./metrics.ts";
import { createSinkRuntime, type ServedSinks, serveSinks, type ViewPlacement } from "./runtime.ts";
import { allViews, viewNames } from "./views.ts";

export interface ServeOptions extends ViewPlacement {
  /** Only these views (names as in viewNames). */
  only?: readonly string[];
  /** Put in front of search index and alias names. */
  indexPrefix?: string;
  log?: SinkLog;
}

/** The sinks process's log: JSON lines of the platform's logger (docs/adr/031). */
export const consoleLog: SinkLog = {
  info: (m) => sinksLogger().info(m),
  warn: (m) => sinksLogger().warn(m),
};

let logger: Logger | undefined;
const sinksLogger = (): Logger => {
  logger ??= useProcessLogger(createLogger("sinks"));
  return logger;
};

export async function selectViews(
  endpoints: Endpoints,
  options: Pick<ServeOptions, "only" | "indexPrefix">,
): Promise<{ views: ViewDefinition[]; engine?: SearchEngine }> {
  const only = options.only && options.only.length > 0 ? new Set(options.only) : undefined;
  for (const name of only ?? []) {
    if (!(viewNames as readonly string[]).includes(name)) {
      throw new Error(`no view "${name}"; the views are ${viewNames.join(", ")}`);
    }
  }
  const wantSearch = !only || only.has("search");
  const engine = wantSearch ? await connectSearch(endpoints) : undefined;
  const views = allViews(
    engine
      ? { engine, ...(options.indexPrefix ? { indexPrefix: options.indexPrefix } : {}) }
      : undefined,
  ).filter((v) => !only || only.has(v.name));
  return engine ? { views, engine } : { views };
}

/**
 * GET /health of a sinks process. `vobe start` waits on it. A sink that cannot keep up
 * still answers 200 (lag is in `vobe sinks status`); one retrying after a failure (its
 * database or search engine is out) makes it 503, naming the sink and the error; a process
 * that died does not answer.
 */
export async function serveHealth(
  served: ServedSinks,
  port: number,
  registry: Registry = sinksProcessRegistry(),
): Promise<Server> {
  const health = createServer((request, response) => {
    response.on("error", () => {});
    if (request.url === "/metrics") {
      // No scrape may end the process (issue 12): a failure is this request's 500.
      registry.metrics().then(
        (body) => response.writeHead(200, { "content-type": metricsContentType }).end(body),
        (error: unknown) => response.writeHead(500).end(`${String(error)}\n`),
      );
      return;
    }
    if (request.url !== "/health") {
      response.writeHead(404).end();
      return;
    }
    const sinks = Object.fromEntries(served.sinks().map((sink) => [sink.name, sink.health()]));
    const ok = Object.values(sinks).every((h) => h.ok);
    response.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
    response.end(JSON.stringify({ ok, sinks }));
  });
  health.on("clientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => health.listen(port, "127.0.0.1", resolve));
  return health;
}

export async function runSinks(endpoints: Endpoints, options: ServeOptions = {}): Promise<void> {
  const log = options.log ?? consoleLog;
  startTracing("vobe-sinks");
  const { views, engine } = await selectViews(endpoints, options);
  const runtime = createSinkRuntime(endpoints);
  const served = await serveSinks(runtime, views, { ...options, log });
  const port = Number(process.env.VOBE_SINKS_PORT ?? 9465);
  const registry = sinksProcessRegistry();
  const lag = startSinkLag(endpoints.kafkaBrokers, registry);
  const health = await serveHealth(served, port, registry);
  // The console's rebuild, swap and rollback (docs/adr/029); only for the whole set of views:
  // a process serving some of them cannot tell which commands are its own.
  const commands =
    options.only && options.only.length > 0
      ? undefined
      : await followViewCommands(endpoints, {
          placement: {
            ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
            ...(options.schemaPrefix ? { schemaPrefix: options.schemaPrefix } : {}),
            ...(options.indexPrefix ? { indexPrefix: options.indexPrefix } : {}),
          },
          log: (line) => log.info(line),
        });
  log.info(`sinks running (health and metrics on :${port})`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  log.info("sinks stopping");
  health.close();
  await commands?.close();
  await lag.stop();
  await served.stop();
  await runtime.close();
  await engine?.close();
  await stopTracing().catch(() => {});
  log.info("sinks stopped");
}
