/**
 * A sinks process's /metrics: every sink's series (sinks/engine/metrics.ts), each view
 * version's lag in records and seconds from the positions it committed, the progress of
 * a version being rebuilt, and the process's own metrics. Lag is sampled in the background
 * (ops/lag/exporter.ts); a scrape only reads what is there.
 */
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { type LagExporter, partitionsAt, startLagExporter } from "../ops/lag/exporter.ts";
import { rebuildingVersions, runningSinks, sinkRegistry, versionKey } from "./engine/metrics.ts";

export const metricsContentType = Registry.PROMETHEUS_CONTENT_TYPE;

export function sinksProcessRegistry(): Registry {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  return Registry.merge([own, sinkRegistry]);
}

export const rebuildProgressGauge = (registry: Registry) =>
  new Gauge({
    name: "vobe_view_rebuild_progress_ratio",
    help: "Of the records in a rebuilding version's topics, the share it has applied (1: caught up, about to swap).",
    labelNames: ["view", "version"],
    registers: [registry],
  });

export function startSinkLag(brokers: readonly string[], registry: Registry): LagExporter {
  const progress = rebuildProgressGauge(registry);
  return startLagExporter({
    brokers,
    clientId: "vobe-sinks-lag",
    registry,
    metric: "sink",
    labelNames: ["view", "version"],
    async consumers(admin) {
      return Promise.all(
        [...runningSinks].map(async (sink) => ({
          labels: { view: sink.view, version: String(sink.version) },
          partitions: await partitionsAt(admin, sink.topics, sink.positions()),
        })),
      );
    },
    onSample(sampled) {
      progress.reset();
      for (const s of sampled) {
        const { view, version } = s.labels as { view: string; version: string };
        if (!rebuildingVersions.has(versionKey(view, Number(version)))) continue;
        const end = s.partitions.reduce((sum, p) => sum + p.end, 0n);
        const done = s.partitions.reduce((sum, p) => sum + p.end - p.behind, 0n);
        progress.set(s.labels, end === 0n ? 1 : Number(done) / Number(end));
      }
    },
  });
}
