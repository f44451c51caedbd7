import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The engine's Prometheus metrics; one registry per application instance. */
export class StreamsMetrics {
  readonly registry = new Registry();
  readonly processed = new Counter({
    name: "vobe_streams_records_processed_total",
    help: "Input records processed, by task.",
    labelNames: ["application", "task"],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: "vobe_streams_commit_duration_seconds",
    help: "Time to commit outputs, changelogs and offsets together.",
    labelNames: ["application", "guarantee"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: "vobe_streams_consumer_lag_records",
    help: "Records between the read position and the partition's end, by input partition.",
    labelNames: ["application", "topic", "partition"],
    registers: [this.registry],
  });
  readonly restored = new Gauge({
    name: "vobe_streams_restore_records",
    help: "Records restored from a store's changelog during the last restore.",
    labelNames: ["application", "task", "store"],
    registers: [this.registry],
  });
  readonly restoreRemaining = new Gauge({
    name: "vobe_streams_restore_remaining_records",
    help: "Changelog records still to restore.",
    labelNames: ["application", "task", "store"],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "vobe_streams_record_errors_total",
    help: "Records that failed, by stage and what the handler did.",
    labelNames: ["application", "stage", "action"],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: "vobe_streams_dead_letter_records_total",
    help: "Records sent to the dead-letter topic.",
    labelNames: ["application", "stage"],
    registers: [this.registry],
  });
  readonly dropped = new Gauge({
    name: "vobe_streams_dropped_records",
    help: "Records operators dropped on purpose (late for a closed window, null key).",
    labelNames: ["application", "task", "node", "reason"],
    registers: [this.registry],
  });
  readonly rebalances = new Counter({
    name: "vobe_streams_rebalances_total",
    help: "Completed rebalances (task reassignments) seen by this instance.",
    labelNames: ["application"],
    registers: [this.registry],
  });
}
