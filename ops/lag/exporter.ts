/**
 * Lag as Prometheus gauges, in records and in seconds (ops/lag/age.ts), sampled in the
 * background on an interval and served from the last sample: a scrape never waits on
 * Kafka, and a failed sample leaves the last values (and counts the failure) instead of
 * failing the scrape (issue 12: no metrics request may hurt the process).
 *
 *   const exporter = startLagExporter({ brokers, registry, metric: "stream",
 *     labelName: "application", consumers: async (admin) => ... });
 *   await exporter.stop();
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { createAdmin, createFetcher, type KafkaAdmin } from "../../platform/kafka/index.ts";
import { ageLag } from "./age.ts";
import type { PartitionLag } from "./positions.ts";

export interface LaggingConsumer {
  /** Label values; the exporter's labelNames say which. */
  labels: Record<string, string>;
  partitions: PartitionLag[];
}

export interface LagExporterOptions {
  brokers: readonly string[];
  clientId: string;
  registry: Registry;
  /** `stream` (per application) or `sink` (per view version): the metrics' prefix. */
  metric: "stream" | "sink";
  labelNames: readonly string[];
  /** The consumers now, with their positions against the topics' ends. */
  consumers(admin: KafkaAdmin): Promise<LaggingConsumer[]>;
  /** Called with each sample (the sinks turn it into rebuild progress). */
  onSample?(
    sampled: Array<LaggingConsumer & { behind: bigint; secondsBehind: number | null }>,
  ): void;
  intervalMs?: number;
}

export interface LagExporter {
  /** Resolves after the next complete sample (tests). */
  sampled(): Promise<void>;
  stop(): Promise<void>;
}

/** The exporter's series (tests/unit/metrics-golden.test.ts lists them). */
export function lagMetrics(
  registry: Registry,
  metric: "stream" | "sink",
  labelNames: readonly string[],
) {
  const records = new Gauge({
    name: `vobe_${metric}_lag_records`,
    help: "Records committed to the inputs and not yet read (read_committed ends minus positions).",
    labelNames,
    registers: [registry],
  });
  const seconds = new Gauge({
    name: `vobe_${metric}_lag_seconds`,
    help: "Age of the oldest record not yet read (0 when caught up).",
    labelNames,
    registers: [registry],
  });
  const failures = new Counter({
    name: `vobe_${metric}_lag_sample_failures_total`,
    help: "Lag samples that failed (Kafka out); the gauges keep the last sample meanwhile.",
    registers: [registry],
  });
  return { records, seconds, failures };
}

export function startLagExporter(options: LagExporterOptions): LagExporter {
  const { records, seconds, failures } = lagMetrics(
    options.registry,
    options.metric,
    options.labelNames,
  );
  const admin = createAdmin({ brokers: [...options.brokers], clientId: options.clientId });
  const fetcher = createFetcher({ brokers: [...options.brokers], clientId: options.clientId });
  let waiting: Array<() => void> = [];
  let stopped = false;

  const sample = async () => {
    const consumers = await options.consumers(admin);
    const lags = consumers.map((c) => ({
      ...c,
      behind: c.partitions.reduce((sum, p) => sum + p.behind, 0n),
    }));
    const aged = await ageLag(fetcher, lags, Date.now());
    records.reset();
    seconds.reset();
    for (const lag of aged) {
      records.set(lag.labels, Number(lag.behind));
      if (lag.secondsBehind !== null) seconds.set(lag.labels, lag.secondsBehind);
    }
    options.onSample?.(aged);
  };

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = sample()
      .catch(() => failures.inc())
      .then(() => {
        for (const wake of waiting) wake();
        waiting = [];
        if (!stopped) timer = setTimeout(loop, options.intervalMs ?? 5_000);
      });
  };
  loop();

  return {
    sampled: () => new Promise((resolve) => waiting.push(resolve)),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all([admin.close(), fetcher.close()]);
    },
  };
}

/** Partitions of `topics` against their read_committed ends, from a map of positions. */
export async function partitionsAt(
  admin: KafkaAdmin,
  topics: readonly string[],
  positions: ReadonlyMap<string, bigint>,
): Promise<PartitionLag[]> {
  const partitions: PartitionLag[] = [];
  for (const topic of topics) {
    const ends = await admin.endOffsets(topic, "read_committed").catch(() => undefined);
    ends?.forEach((end, partition) => {
      const next = positions.get(`${topic}:${partition}`) ?? 0n;
      partitions.push({ topic, partition, next, end, behind: end > next ? end - next : 0n });
    });
  }
  return partitions;
}
