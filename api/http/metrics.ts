/**
 * The API's /metrics: rate, errors and latency per route (the route's template, so
 * `/api/content/posts/:id` is one series however many posts exist; a path no route
 * matches counts as `unmatched`), and the process's own metrics. The routes' service
 * objectives (README) are measured from vobe_http_request_duration_seconds.
 */
import type { FastifyInstance } from "fastify";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

let processRegistry: Registry | undefined;

/** Node's metrics once per process, however many apps it builds (tests build many). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export function installHttpMetrics(app: FastifyInstance): void {
  const registry = new Registry();
  const requests = new Counter({
    name: "vobe_http_requests_total",
    help: "HTTP requests answered, by route template, method and status code.",
    labelNames: ["route", "method", "code"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "vobe_http_request_duration_seconds",
    help: "From the request's arrival to its answer, by route template and method.",
    labelNames: ["route", "method"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const merged = Registry.merge([processMetrics(), registry]);

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    if (route === "/metrics") return;
    const method = request.method;
    requests.inc({ route, method, code: String(reply.statusCode) });
    duration.observe({ route, method }, reply.elapsedTime / 1000);
  });

  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
    reply.header("content-type", Registry.PROMETHEUS_CONTENT_TYPE);
    return merged.metrics();
  });
}
