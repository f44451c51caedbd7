import { createServer, type Server } from "node:http";
import { Registry } from "prom-client";
import type { ProcessorApp } from "./index.ts";

/**
 * The processors' HTTP side: `/metrics` (every app's Prometheus metrics) and `/health`
 * (200 while every app runs, 503 naming the ones that do not). `vobe start` waits on it.
 */
export function startHealthServer(
  apps: readonly ProcessorApp[],
  port: number,
  host = "127.0.0.1",
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === "/metrics") {
      const merged = Registry.merge(apps.map((a) => a.app.metrics.registry));
      merged.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": merged.contentType });
          response.end(text);
        },
        (error: Error) => {
          response.writeHead(500);
          response.end(error.message);
        },
      );
      return;
    }
    if (request.url === "/health") {
      const states = apps.map((a) => ({ app: a.app.config.applicationId, state: a.app.state }));
      const ok = states.every((s) => s.state === "running" || s.state === "rebalancing");
      response.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok, apps: states }));
      return;
    }
    response.writeHead(404);
    response.end();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
