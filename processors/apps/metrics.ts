/**
 * The processors' /metrics: every application's series (distinct by their `application`
 * label), the supervisor's view of each app, and the process's own metrics once.
 *
 * Not Registry.merge: it throws as soon as two registries hold a metric of the same
 * name, which every pair of StreamsApps does. AggregatorRegistry.aggregate groups the
 * JSON of all sources by name and then by label set, so same-named metrics of different
 * apps become one family with one series per app.
 */
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { MetricsJson } from "./app-probe.ts";
import { isHealthy } from "./health.ts";
import type { SupervisedApp } from "./supervised.ts";

export const metricsContentType = Registry.PROMETHEUS_CONTENT_TYPE;

/** The process's metrics and the supervisor's gauges, computed at each scrape. */
export function supervisorRegistry(apps: readonly SupervisedApp[]): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const healths = () => apps.map((app) => app.health());
  new Gauge({
    name: "vobe_processors_app_up",
    help: "1 while the application runs or rebalances and is not stuck.",
    labelNames: ["application", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of healths()) {
        this.set({ application: h.application, state: h.state }, isHealthy(h) ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "vobe_processors_app_heartbeat_age_seconds",
    help: "Time since the application's thread last answered a heartbeat.",
    labelNames: ["application"],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of healths()) {
        if (h.heartbeatAgeMs !== undefined) {
          this.set({ application: h.application }, h.heartbeatAgeMs / 1000);
        }
      }
    },
  });
  new Gauge({
    name: "vobe_processors_app_restarts",
    help: "Threads started again for the application after it failed.",
    labelNames: ["application"],
    registers: [registry],
    collect() {
      for (const h of healths()) this.set({ application: h.application }, h.restarts);
    },
  });
  new Gauge({
    name: "vobe_processors_app_heap_used_bytes",
    help: "Heap used by the application's thread (its own V8 isolate).",
    labelNames: ["application"],
    registers: [registry],
    collect() {
      this.reset();
      for (const h of healths()) {
        if (h.heapUsedBytes !== undefined)
          this.set({ application: h.application }, h.heapUsedBytes);
      }
    },
  });
  return registry;
}

/** One exposition of every source; a source that fails contributes nothing. */
export async function scrapeMetrics(
  apps: readonly SupervisedApp[],
  own: Registry,
): Promise<string> {
  const sources: MetricsJson[] = await Promise.all([
    ...apps.map((app) => app.metrics().catch(() => [] as MetricsJson)),
    own.getMetricsAsJSON().catch(() => [] as MetricsJson),
  ]);
  return AggregatorRegistry.aggregate(sources).metrics();
}
