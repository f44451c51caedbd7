/**
 * The metric names and labels every process exports, stated once: dashboards, alert
 * rules and people's queries depend on them, so a rename or a new label must show up
 * here as a deliberate change (and in observability/, docs/observability.md).
 */
import Fastify from "fastify";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { installHttpMetrics } from "../../api/http/metrics.ts";
import { createGuideMetrics } from "../../guide/metrics.ts";
import { lagMetrics } from "../../ops/lag/exporter.ts";
import { supervisorRegistry } from "../../processors/apps/metrics.ts";
import { StreamsMetrics } from "../../processors/engine/runtime/metrics.ts";
import { sinkRegistry } from "../../sinks/engine/metrics.ts";
import { rebuildProgressGauge } from "../../sinks/metrics.ts";

type Described = { name: string; type: string; labelNames?: readonly string[] };

/** `name type label,label` per metric, the vobe_ ones only (Node's own are prom-client's). */
async function describe_(registry: Registry): Promise<string[]> {
  const json = (await registry.getMetricsAsJSON()) as unknown as Array<{
    name: string;
    type: string;
  }>;
  const labels = new Map(
    registry
      .getMetricsAsArray()
      .map((m) => [(m as unknown as Described).name, (m as unknown as Described).labelNames ?? []]),
  );
  return json
    .filter((m) => m.name.startsWith("vobe_"))
    .map((m) => `${m.name} ${m.type} ${[...(labels.get(m.name) ?? [])].join(",")}`.trim());
}

async function everyProcessMetric(): Promise<string[]> {
  const app = Fastify();
  installHttpMetrics(app);
  const http = (await (await app.inject({ method: "GET", url: "/metrics" })).body)
    .split("\n")
    .filter((l) => l.startsWith("# TYPE vobe_"));
  await app.close();
  const lag = new Registry();
  lagMetrics(lag, "stream", ["application"]);
  lagMetrics(lag, "sink", ["view", "version"]);
  rebuildProgressGauge(lag);
  const named = await Promise.all(
    [
      new StreamsMetrics().registry,
      supervisorRegistry([]),
      sinkRegistry,
      lag,
      createGuideMetrics().registry,
    ].map(describe_),
  );
  // The HTTP metrics' labels are checked through the exposition: a request adds them.
  return [...named.flat(), ...http.map((l) => l.replace("# TYPE ", "http "))].sort();
}

describe("metric names and labels", () => {
  it("stay as documented (docs/observability.md)", async () => {
    expect(await everyProcessMetric()).toEqual(
      [
        "http vobe_http_request_duration_seconds histogram",
        "http vobe_http_requests_total counter",
        "vobe_guide_first_token_seconds histogram",
        "vobe_guide_model_attempts_total counter",
        "vobe_guide_replies_total counter outcome",
        "vobe_guide_reply_seconds histogram outcome",
        "vobe_guide_tokens_total counter kind,model",
        "vobe_processors_app_heap_used_bytes gauge application",
        "vobe_processors_app_heartbeat_age_seconds gauge application",
        "vobe_processors_app_restarts gauge application",
        "vobe_processors_app_up gauge application,state",
        "vobe_sink_commit_latency_seconds histogram view,version",
        "vobe_sink_commit_total counter view,version",
        "vobe_sink_dead_letter_records_total counter view,version,kind",
        "vobe_sink_healthy gauge view,version",
        "vobe_sink_lag_records gauge view,version",
        "vobe_sink_lag_sample_failures_total counter",
        "vobe_sink_lag_seconds gauge view,version",
        "vobe_sink_records_applied_total counter view,version",
        "vobe_sink_retries_total counter view,version",
        "vobe_stream_consumer_records_lag gauge application,topic,partition",
        "vobe_stream_dead_letter_records_total counter application,stage",
        "vobe_stream_lag_records gauge application",
        "vobe_stream_lag_sample_failures_total counter",
        "vobe_stream_lag_seconds gauge application",
        "vobe_stream_state_restore_remaining_records gauge application,task,store",
        "vobe_stream_state_restore_total counter application,task,store",
        "vobe_stream_task_commit_total counter application,task",
        "vobe_stream_task_dropped_records_total counter application,task,node,reason",
        "vobe_stream_task_process_latency_seconds_total counter application,task",
        "vobe_stream_task_process_total counter application,task",
        "vobe_stream_task_record_e2e_latency_seconds histogram application,task",
        "vobe_stream_task_record_errors_total counter application,stage,action",
        "vobe_stream_thread_commit_latency_seconds histogram application,guarantee",
        "vobe_stream_thread_rebalances_total counter application",
        "vobe_view_apply_latency_seconds histogram view,version",
        "vobe_view_newest_applied_event_timestamp_seconds gauge view,version",
        "vobe_view_rebuild_progress_ratio gauge view,version",
      ].sort(),
    );
  });

  it("label each HTTP series with the route's template, its method and code", async () => {
    const app = Fastify();
    installHttpMetrics(app);
    app.get("/api/things/:id", async () => ({ ok: true }));
    await app.inject({ method: "GET", url: "/api/things/42" });
    await app.inject({ method: "GET", url: "/nowhere/7" });
    const body = (await app.inject({ method: "GET", url: "/metrics" })).body;
    await app.close();
    expect(body).toContain(
      'vobe_http_requests_total{route="/api/things/:id",method="GET",code="200"} 1',
    );
    expect(body).toContain('vobe_http_requests_total{route="unmatched",method="GET",code="404"} 1');
    expect(body).toMatch(
      /vobe_http_request_duration_seconds_bucket\{le="0\.25",route="\/api\/things\/:id",method="GET"\} 1/,
    );
    expect(body).not.toContain("/api/things/42");
  });
});
