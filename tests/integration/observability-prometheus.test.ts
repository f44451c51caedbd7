/**
 * Prometheus for real (issue 15): Debian's Prometheus scrapes the platform's own
 * processes (`vobe serve sinks` and `vobe serve processors` as children, on a prefixed
 * catalog; the API's HTTP metrics on a port) with the repository's rules, and
 *  - every query of the Grafana dashboards names a metric those processes export (or a
 *    recording rule's), and Prometheus accepts and runs it;
 *  - stopping the sinks process fires ProcessDown.
 * The test's Prometheus scrapes and evaluates every second and its rules' `for:` are cut
 * to a second (expressions unchanged), so the alert fires in seconds, not minutes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { installHttpMetrics } from "../../api/http/metrics.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { topologies } from "../../processors/topologies/index.ts";
import { createEventProducer } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { FeedbackSubmitted } from "../../schemas/generated/index.ts";
import { feedbackView } from "../../sinks/postgres/feedback/view.ts";
import {
  findPrometheus,
  prometheusArgs,
  prometheusConfig,
  rulesDir,
} from "../../stack/services/prometheus.ts";
import { healthy, processorsChild, sinksChild } from "../support/platform-children.ts";
import { freePort, get, type ProcessorsProcess } from "../support/processors-process.ts";
import { cleanup, sinkTestRun } from "../support/sinks-fixtures.ts";

const dashboardsDir = resolve(import.meta.dirname, "../../observability/grafana/dashboards");

/** PromQL words that are not metric names. */
const keywords = new Set([
  ...["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"],
  ...["and", "or", "unless", "inf", "nan"],
]);

/** The metric names a PromQL expression reads (functions, labels, strings and ranges left out). */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    const [, word, call] = match;
    if (!word || call || keywords.has(word.toLowerCase()) || /^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

interface Dashboard {
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query: { query: string } }[] };
}

const dashboards = readdirSync(dashboardsDir).map(
  (f) => JSON.parse(readFileSync(join(dashboardsDir, f), "utf8")) as Dashboard,
);

describe("Prometheus scraping the platform's processes, with the repository's rules", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-observability-"));
  const children: ProcessorsProcess[] = [];
  const endpoints = inject("endpoints");
  const run = sinkTestRun(endpoints, "observability");
  let entries: ReturnType<typeof prefixedCatalog> = [];
  let app: FastifyInstance | undefined;
  let prometheus: ChildProcess | undefined;
  let base = "";
  const ports = { api: 0, processors: 0, sinks: 0, prometheus: 0 };
  let sinks: ProcessorsProcess;

  const query = async (promql: string) => {
    const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
    return (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string> }[] };
    };
  };

  beforeAll(async () => {
    const { prometheus: binary } = await findPrometheus();
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    // Only the topics of the one view and the one topology that run.
    const topology = topologies["track-like-counts"];
    const names = new Set([
      ...feedbackView.events.map((e) => e.topic),
      ...[...topology.reads, ...topology.writes].map((e) => e.topic),
    ]);
    entries = prefixedCatalog(
      run.topicPrefix,
      catalog.filter((t) => names.has(t.name)),
    );
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    // The API's metrics are this plugin's and Node's (api/app.ts installs it the same way);
    // a whole API would need the whole catalog under the test's prefix first.
    app = Fastify();
    installHttpMetrics(app);
    app.get("/api/things/:id", async () => ({ ok: true }));
    await app.listen({ port: ports.api, host: "127.0.0.1" });
    sinks = sinksChild(run, { port: ports.sinks, only: ["feedback"] });
    const processors = processorsChild(run, {
      stateDir: join(stateDir, "state"),
      port: ports.processors,
      only: ["track-like-counts"],
    });
    children.push(sinks, processors);

    // The repository's rules with their `for:` cut to a second.
    const rules = join(stateDir, "rules");
    for (const file of readdirSync(rulesDir)) {
      const text = readFileSync(join(rulesDir, file), "utf8");
      writeFileSync(join(stateDir, `rules-${file}`), text.replace(/\bfor: \d+[smh]\b/g, "for: 1s"));
    }
    const config = join(stateDir, "prometheus.yml");
    writeFileSync(
      config,
      prometheusConfig({
        targets: [
          { job: "api", target: `127.0.0.1:${ports.api}`, path: "/metrics" },
          { job: "processors", target: `127.0.0.1:${ports.processors}`, path: "/metrics" },
          { job: "sinks", target: `127.0.0.1:${ports.sinks}`, path: "/metrics" },
        ],
        ruleFiles: [`${rules}-*.yml`],
        scrapeSeconds: 1,
        evaluationSeconds: 1,
      }),
    );
    const log = openSync(join(stateDir, "prometheus.log"), "a");
    prometheus = spawn(binary, prometheusArgs(config, join(stateDir, "data"), ports.prometheus), {
      stdio: ["ignore", log, log],
    });
    base = `http://127.0.0.1:${ports.prometheus}`;
    await Promise.all([
      healthy(sinks, ports.sinks),
      healthy(processors, ports.processors),
      (async () => {
        for (let i = 0; (await get(`${base}/-/ready`, 1_000)).status !== 200; i++) {
          if (i > 300) throw new Error(readFileSync(join(stateDir, "prometheus.log"), "utf8"));
          await sleep(100);
        }
      })(),
    ]);
  }, 180_000);

  afterAll(async () => {
    prometheus?.kill("SIGTERM");
    for (const child of children) await child.kill();
    await app?.close();
    await cleanup(run, [feedbackView]);
    const registry = registryApi(endpoints.schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await registry.deleteSubject(subject).catch(() => {});
    }
    rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it("loads the rules and runs every dashboard query, each on metrics the processes export", async () => {
    await fetch(`http://127.0.0.1:${ports.api}/api/things/1`);
    // Scrapes are safe (issue 12): many at once, while Prometheus scrapes too, all answer.
    const burst = await Promise.all(
      [ports.sinks, ports.processors].flatMap((port) =>
        Array.from({ length: 10 }, () => get(`http://127.0.0.1:${port}/metrics`, 10_000)),
      ),
    );
    expect(burst.map((a) => a.status)).toEqual(burst.map(() => 200));
    // What the processes export: every family their /metrics declares.
    const exported = new Set<string>(["up", "ALERTS", "ALERTS_FOR_STATE"]);
    for (const port of [ports.api, ports.processors, ports.sinks]) {
      const answer = await get(`http://127.0.0.1:${port}/metrics`, 10_000);
      expect(answer.status, answer.body).toBe(200);
      for (const [, name, type] of answer.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(name as string);
        if (type === "histogram" || type === "summary") {
          for (const suffix of ["_bucket", "_sum", "_count"]) exported.add(`${name}${suffix}`);
        }
      }
    }
    const recorded = new Set(
      readdirSync(rulesDir).flatMap((f) =>
        [...readFileSync(join(rulesDir, f), "utf8").matchAll(/record: (\S+)/g)].map((m) => m[1]),
      ),
    );
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name)).toEqual(expect.arrayContaining(["ProcessDown", "ViewStale"]));

    const unknown: string[] = [];
    const refused: string[] = [];
    let queries = 0;
    for (const dashboard of dashboards) {
      const exprs = [
        ...dashboard.panels.flatMap((p) =>
          p.targets.map((t) => ({ where: p.title, expr: t.expr })),
        ),
        ...dashboard.templating.list.map((v) => ({
          where: `variable ${v.name}`,
          expr: /label_values\((\w+)/.exec(v.query.query)?.[1] ?? "",
        })),
      ];
      for (const { where, expr } of exprs) {
        for (const name of metricNames(expr)) {
          if (!exported.has(name) && !recorded.has(name)) {
            unknown.push(`${dashboard.title} / ${where}: ${name}`);
          }
        }
        const concrete = expr.replaceAll('=~"$route"', '=~".*"').replace(/\$\w+/g, "x");
        const answer = await query(concrete);
        queries++;
        if (answer.status !== "success")
          refused.push(`${dashboard.title} / ${where}: ${answer.error}`);
      }
    }
    // One accepted write, applied by the feedback view: its apply latency and freshness
    // reach Prometheus, and so does each process's lag.
    const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    try {
      const userId = randomUUID();
      await createEventProducer({
        producer,
        registry: registryApi(endpoints.schemaRegistryUrl),
      }).publish(
        { ...FeedbackSubmitted, topic: `${run.topicPrefix}${FeedbackSubmitted.topic}` },
        userId,
        { feedbackId: randomUUID(), userId, category: "idea", message: "graphs!", page: null },
        { actor: { userId, role: "listener" }, occurredAt: new Date() },
      );
    } finally {
      await producer.close();
    }
    for (const series of [
      'vobe_sink_records_applied_total{view="feedback"} > 0',
      'vobe_view_apply_latency_seconds_count{view="feedback"} > 0',
      'vobe:view_freshness_seconds{view="feedback"}',
      `vobe_stream_lag_seconds{application="${run.topicPrefix}vobe-track-like-counts"}`,
      'vobe_sink_lag_seconds{view="feedback"}',
      'vobe_sink_lag_records{view="feedback"}',
    ]) {
      for (let i = 0; ((await query(series)).data?.result.length ?? 0) === 0; i++) {
        expect(i, `no ${series} in Prometheus`).toBeLessThan(300);
        await sleep(100);
      }
    }
    expect(queries).toBeGreaterThan(40);
    expect(unknown).toEqual([]);
    expect(refused).toEqual([]);
  }, 60_000);

  it("fires ProcessDown when the sinks process stops", async () => {
    const firing = async () => {
      const { data } = (await (await fetch(`${base}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
      };
      return data.alerts.filter(
        (a) => a.labels.alertname === "ProcessDown" && a.labels.job === "sinks",
      );
    };
    // Scraped and up first: the alert must come from the stop, not from a target never seen.
    for (let i = 0; ((await query('up{job="sinks"} == 1')).data?.result.length ?? 0) === 0; i++) {
      expect(i, "the sinks target never came up").toBeLessThan(300);
      await sleep(100);
    }
    expect(await firing()).toEqual([]);
    sinks.child.kill("SIGTERM");
    await sinks.exited;
    const deadline = Date.now() + 30_000;
    let alerts = await firing();
    while (!alerts.some((a) => a.state === "firing") && Date.now() < deadline) {
      await sleep(250);
      alerts = await firing();
    }
    expect(alerts.map((a) => ({ state: a.state, severity: a.labels.severity }))).toEqual([
      { state: "firing", severity: "page" },
    ]);
  }, 60_000);
});
