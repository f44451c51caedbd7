/**
 * The engine's Prometheus metrics; one registry per application instance.
 *
 * Names mirror Kafka Streams' metrics (docs/observability.md), at the level Kafka Streams
 * records them: `vobe_stream_<level>_<metric>` with level thread, task or state, and the
 * Kafka Streams name in snake case. Its `-rate` and `-avg` metrics are what PromQL
 * computes from a counter (`rate(..._total[1m])`) and a histogram or a `_seconds_total`
 * sum, so only the totals are exported. Labels: `application` always, then `task`,
 * `store`, `node` as Kafka Streams' tags `task-id`, `store-name`, `processor-node-id`.
 * tests/unit/metrics-golden.test.ts keeps these names and labels stable.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class StreamsMetrics {
  readonly registry = new Registry();
  /** process-total (process-rate = its rate). */
  readonly processed = new Counter({
    name: "vobe_stream_task_process_total",
    help: "Records processed by the task (Kafka Streams process-total; rate() is process-rate).",
    labelNames: ["application", "task"],
    registers: [this.registry],
  });
  /**
   * Time spent processing, summed per slice of records rather than timed per record (the
   * per-record path allocates nothing); process-latency-avg = rate(this) / rate(process_total).
   */
  readonly processSeconds = new Counter({
    name: "vobe_stream_task_process_latency_seconds_total",
    help: "Seconds spent processing the task's records (Kafka Streams process-latency, as a sum).",
    labelNames: ["application", "task"],
    registers: [this.registry],
  });
  readonly e2eLatency = new Histogram({
    name: "vobe_stream_task_record_e2e_latency_seconds",
    help: "Wall-clock time when processed minus the record's timestamp (Kafka Streams record-e2e-latency at the source), sampled: one record in 64 and the last of each fetch.",
    labelNames: ["application", "task"],
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: "vobe_stream_task_dropped_records_total",
    help: "Records operators dropped on purpose: late for a closed window, null key (Kafka Streams dropped-records-total).",
    labelNames: ["application", "task", "node", "reason"],
    registers: [this.registry],
  });
  readonly taskCommits = new Counter({
    name: "vobe_stream_task_commit_total",
    help: "Commits that included the task's offsets (Kafka Streams task commit-total).",
    labelNames: ["application", "task"],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: "vobe_stream_thread_commit_latency_seconds",
    help: "Time to commit outputs, changelogs and offsets together (Kafka Streams thread commit-latency).",
    labelNames: ["application", "guarantee"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly rebalances = new Counter({
    name: "vobe_stream_thread_rebalances_total",
    help: "Completed rebalances (task reassignments) seen by this instance.",
    labelNames: ["application"],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: "vobe_stream_consumer_records_lag",
    help: "Records between the read position and the partition's end (the consumer's records-lag), by input partition.",
    labelNames: ["application", "topic", "partition"],
    registers: [this.registry],
  });
  readonly restored = new Counter({
    name: "vobe_stream_state_restore_total",
    help: "Records restored into the store from its changelog (Kafka Streams restore-total).",
    labelNames: ["application", "task", "store"],
    registers: [this.registry],
  });
  readonly restoreRemaining = new Gauge({
    name: "vobe_stream_state_restore_remaining_records",
    help: "Changelog records still to restore (Kafka Streams restore-remaining-records-total).",
    labelNames: ["application", "task", "store"],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: "vobe_stream_task_record_errors_total",
    help: "Records that failed, by stage and what the handler did.",
    labelNames: ["application", "stage", "action"],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: "vobe_stream_dead_letter_records_total",
    help: "Records sent to the application's dead-letter topic.",
    labelNames: ["application", "stage"],
    registers: [this.registry],
  });
}
