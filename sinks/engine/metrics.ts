/**
 * The sinks' Prometheus metrics: what each view applies, how fresh it is, what it
 * dead-letters. One registry per process, because every sink of the process (the live
 * version of each view, and a version being rebuilt beside it) reports into the same
 * /metrics; series are told apart by `view` and `version`.
 *
 * Freshness is exported as the event time of the newest applied record (a timestamp, so
 * it stays true between scrapes); `time() - ...` is its age, the recording rule
 * vobe:view_freshness_seconds (observability/prometheus/rules/). The apply latency is the
 * view's service objective: from the event's timestamp (set when the API accepted the
 * write) to the commit that made it readable.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export const sinkRegistry = new Registry();

const labelNames = ["view", "version"] as const;

export const sinkMetrics = {
  applied: new Counter({
    name: "vobe_sink_records_applied_total",
    help: "Records applied to the view version's rows or documents.",
    labelNames,
    registers: [sinkRegistry],
  }),
  batches: new Counter({
    name: "vobe_sink_commit_total",
    help: "Batches committed (rows and positions in one transaction).",
    labelNames,
    registers: [sinkRegistry],
  }),
  commitSeconds: new Histogram({
    name: "vobe_sink_commit_latency_seconds",
    help: "Time to apply a batch and commit it with its positions.",
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [sinkRegistry],
  }),
  deadLetters: new Counter({
    name: "vobe_sink_dead_letter_records_total",
    help: "Records written to the view's dead-letter topic, by kind (decode, rejected).",
    labelNames: ["view", "version", "kind"],
    registers: [sinkRegistry],
  }),
  retries: new Counter({
    name: "vobe_sink_retries_total",
    help: "Failed attempts (database or Kafka out) the sink retried.",
    labelNames,
    registers: [sinkRegistry],
  }),
  healthy: new Gauge({
    name: "vobe_sink_healthy",
    help: "1 while the sink applies records, 0 while it retries after a failure.",
    labelNames,
    registers: [sinkRegistry],
  }),
  newestApplied: new Gauge({
    name: "vobe_view_newest_applied_event_timestamp_seconds",
    help: "Event time of the newest record applied to the view version (freshness = time() minus this).",
    labelNames,
    registers: [sinkRegistry],
  }),
  applyLatency: new Histogram({
    name: "vobe_view_apply_latency_seconds",
    help: "From a record's timestamp to the commit that made it readable in the view.",
    labelNames,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [sinkRegistry],
  }),
};

/** The sinks started in this process and not stopped: the lag exporter samples them. */
export const runningSinks = new Set<{
  readonly name: string;
  readonly version: number;
  readonly view: string;
  readonly topics: readonly string[];
  positions(): Map<string, bigint>;
}>();

/** Versions being built beside a live one (their progress is a rebuild's progress). */
export const rebuildingVersions = new Set<string>();
export const versionKey = (view: string, version: number) => `${view} v${version}`;
