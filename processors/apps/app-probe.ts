/**
 * What a supervisor needs to know of one StreamsApp, read through its public API only:
 * its state (with "restoring" told apart), its lag, when it last committed, and its
 * metrics labelled with its application id. Runs beside the app, on the app's thread.
 */
import type { Registry } from "prom-client";
import type { StreamsApp } from "../engine/runtime/streams-app.ts";

export type MetricsJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

export type ProbeState =
  | "created"
  | "starting"
  | "restoring"
  | "running"
  | "rebalancing"
  | "stopped"
  | "error";

/** A structured-cloneable snapshot: it crosses the worker boundary as it is. */
export interface ProbeStatus {
  state: ProbeState;
  error?: string;
  /** Records between the read positions and the ends of the input partitions. */
  lagRecords: number;
  /** When a non-empty commit was last seen (epoch ms); undefined before the first. */
  lastCommitAt?: number;
  /** When the app last entered "running" (epoch ms). */
  runningSince?: number;
  processedRecords: number;
  /** The app thread's heap, so a leak in one app shows against its name. */
  heapUsedBytes: number;
}

export interface AppProbe {
  status(): Promise<ProbeStatus>;
  metrics(): Promise<MetricsJson>;
  close(): void;
}

const LAG = "vobe_stream_consumer_records_lag";
const PROCESSED = "vobe_stream_task_process_total";
const COMMITS = "vobe_stream_thread_commit_latency_seconds";
/** How often the commit count is sampled: the precision of lastCommitAt. */
const SAMPLE_MS = 1000;

export function probeApp(app: StreamsApp): AppProbe {
  const applicationId = app.config.applicationId;
  const registry = app.metrics.registry;
  const pendingRestores = new Set<string>();
  let state: ProbeState = app.state;
  let error = app.error?.message;
  let runningSince: number | undefined;
  let commits = 0;
  let lastCommitAt: number | undefined;

  app.onStateChange((next, failure) => {
    state = next;
    if (failure) error = failure.message;
    if (next === "running") runningSince = Date.now();
  });
  app.onRestore((progress) => {
    const key = `${progress.task}/${progress.store}`;
    if (progress.done) pendingRestores.delete(key);
    else pendingRestores.add(key);
  });

  // The engine's commit histogram counts non-empty commits: a new count is a commit.
  // Sampled on a timer rather than read from the engine, whose commit loop another
  // change may reshape; a timer that cannot fire means the thread is blocked, which the
  // supervisor's heartbeat sees anyway.
  const sampleCommits = async () => {
    const count = await sumValues(registry, COMMITS, `${COMMITS}_count`);
    if (count > commits) {
      commits = count;
      lastCommitAt = Date.now();
    }
  };
  const timer = setInterval(() => void sampleCommits().catch(() => {}), SAMPLE_MS);
  timer.unref();

  // The lag gauge keeps the last value of a partition this instance no longer owns after
  // a rebalance: only the partitions of its tasks count, or an idle app would look stuck.
  const ownedPartitions = () => new Set(app.localTasks().map((t) => String(t.partition)));

  return {
    async status() {
      await sampleCommits();
      const restoring =
        pendingRestores.size > 0 && (state === "starting" || state === "rebalancing");
      return {
        state: restoring ? "restoring" : state,
        ...(error !== undefined ? { error } : {}),
        lagRecords: await sumValues(registry, LAG, LAG, ownedPartitions()),
        ...(lastCommitAt !== undefined ? { lastCommitAt } : {}),
        ...(runningSince !== undefined ? { runningSince } : {}),
        processedRecords: await sumValues(registry, PROCESSED),
        heapUsedBytes: process.memoryUsage().heapUsed,
      };
    },
    async metrics() {
      const json = await registry.getMetricsAsJSON();
      // Every series carries its application, whatever the engine registers later:
      // without it, two apps' series would be summed into one by the aggregation.
      for (const metric of json) {
        for (const value of metric.values) {
          if (value.labels.application === undefined) {
            value.labels = { ...value.labels, application: applicationId };
          }
        }
      }
      return json;
    },
    close() {
      clearInterval(timer);
    },
  };
}

/** The sum of a metric's current values (of one series name, for a histogram). */
async function sumValues(
  registry: Registry,
  name: string,
  series = name,
  partitions?: ReadonlySet<string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = (await metric.get()) as {
    values: Array<{ value: number; metricName?: string; labels: Record<string, unknown> }>;
  };
  let total = 0;
  for (const v of values) {
    if ((v.metricName ?? name) !== series) continue;
    if (partitions && !partitions.has(String(v.labels.partition))) continue;
    total += v.value;
  }
  return total;
}
