import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Registry } from "prom-client";
import { isHealthy } from "./health.ts";
import type { Logger } from "./log.ts";
import { metricsContentType, scrapeMetrics, supervisorRegistry } from "./metrics.ts";
import type { SupervisedApp } from "./supervised.ts";

/**
 * The processors' HTTP side, on the main thread while the apps run in their own threads:
 * `/metrics` (every app's Prometheus metrics, labelled by application) and `/health`
 * (200 while every app runs, 503 naming the ones that do not, stuck ones included).
 * `vobe start` waits on /health. No request can end the process: every failure becomes
 * a 500 with its message.
 */
export function startHealthServer(
  apps: readonly SupervisedApp[],
  port: number,
  host = "127.0.0.1",
  log?: Logger,
  /** Series of the main thread besides the supervisor's (the applications' lag). */
  extra?: Registry,
): Promise<Server> {
  const own = extra ? Registry.merge([supervisorRegistry(apps), extra]) : supervisorRegistry(apps);

  const health = (response: ServerResponse) => {
    const now = Date.now();
    const states = apps.map((app) => app.health(now));
    const failing = states.filter((h) => !isHealthy(h)).map((h) => h.application);
    const ok = failing.length === 0;
    send(
      response,
      ok ? 200 : 503,
      "application/json",
      JSON.stringify({ ok, failing, apps: states }),
    );
  };

  const metrics = async (response: ServerResponse) => {
    send(response, 200, metricsContentType, await scrapeMetrics(apps, own));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return send(response, 405, "text/plain", "GET only\n");
    }
    if (path === "/metrics") return metrics(response);
    if (path === "/health") return health(response);
    send(response, 404, "text/plain", "not found: /metrics and /health are served here\n");
  };

  const server = createServer((request, response) => {
    response.on("error", () => {});
    handle(request, response).catch((error: unknown) => {
      log?.error({ err: error, url: request.url }, "a health or metrics request failed");
      send(response, 500, "text/plain", `${(error as Error)?.message ?? String(error)}\n`);
    });
  });
  // A malformed request is the client's problem, not the process's.
  server.on("clientError", (_error, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      server.on("error", (error) => log?.error({ err: error }, "health server error"));
      resolve(server);
    });
  });
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  if (response.headersSent || response.destroyed) return;
  try {
    response.writeHead(status, { "content-type": type });
    response.end(body);
  } catch {
    response.destroy();
  }
}
