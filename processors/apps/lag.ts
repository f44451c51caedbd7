/**
 * Each application's lag in records and in seconds (vobe_stream_lag_records,
 * vobe_stream_lag_seconds), from its committed offsets: what a restart would resume
 * from, which is what "behind" means for an exactly-once application. Sampled on the
 * main thread, next to /metrics, so a stuck app's lag still grows on the scrape.
 */
import type { Registry } from "prom-client";
import { type LagExporter, startLagExporter } from "../../ops/lag/exporter.ts";
import { sampleLag } from "../../ops/lag/positions.ts";
import { loadTopologies, type ProcessorAppOptions } from "./app.ts";
import type { SupervisedApp } from "./supervised.ts";

export async function startAppLag(
  apps: readonly SupervisedApp[],
  options: Pick<ProcessorAppOptions, "brokers" | "prefix" | "topologyModule">,
  registry: Registry,
): Promise<LagExporter> {
  const definitions = await loadTopologies(options.topologyModule);
  const prefix = options.prefix ?? "";
  const consumers = apps.map((app) => ({
    kind: "application" as const,
    name: app.name,
    groupId: app.applicationId,
    inputs: [...new Set((definitions[app.name]?.reads ?? []).map((t) => `${prefix}${t.topic}`))],
  }));
  return startLagExporter({
    brokers: options.brokers,
    clientId: "vobe-processors-lag",
    registry,
    metric: "stream",
    labelNames: ["application"],
    async consumers(admin) {
      const lags = await sampleLag(admin, consumers);
      return lags.map((lag) => ({
        labels: {
          application:
            lag.consumer.kind === "application" ? lag.consumer.groupId : lag.consumer.name,
        },
        partitions: lag.partitions,
      }));
    },
  });
}
