import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { platformProcesses } from "../../cli/platform/processes.ts";
import { stackConfig, stackPaths } from "../config.ts";
import { StackError } from "../errors.ts";
import { ensureDebianPackages, which } from "../host.ts";
import { spawnDetached } from "../process.ts";
import type { NativeService } from "../service.ts";

const NAME = "prometheus";
const { prometheus: port } = stackConfig.ports;

/** The recording and alerting rules, as code (docs/observability.md). */
export const rulesDir = resolve(stackConfig.projectRoot, "observability", "prometheus", "rules");

export interface ScrapeTarget {
  job: string;
  target: string;
  path: string;
}

/** Every platform process `vobe start` runs, each its own job. */
export const platformTargets = (): ScrapeTarget[] =>
  platformProcesses.flatMap((p) => (p.metrics ? [{ job: p.name, ...p.metrics }] : []));

/**
 * prometheus.yml for these targets. The stack scrapes every 15 s; a test's own
 * Prometheus passes seconds so that an alert fires within its bounds.
 */
export function prometheusConfig(options: {
  targets: readonly ScrapeTarget[];
  ruleFiles: readonly string[];
  scrapeSeconds?: number;
  evaluationSeconds?: number;
}): string {
  const scrape = `${options.scrapeSeconds ?? 15}s`;
  return stringify({
    global: {
      scrape_interval: scrape,
      scrape_timeout: `${Math.min(10, options.scrapeSeconds ?? 15)}s`,
      evaluation_interval: `${options.evaluationSeconds ?? 15}s`,
    },
    rule_files: [...options.ruleFiles],
    scrape_configs: options.targets.map((t) => ({
      job_name: t.job,
      metrics_path: t.path,
      static_configs: [{ targets: [t.target] }],
    })),
  });
}

/** Debian's prometheus package (prometheus and promtool), installed when root. */
export async function findPrometheus(): Promise<{ prometheus: string; promtool: string }> {
  if (!which("prometheus") || !which("promtool")) {
    await ensureDebianPackages(["prometheus"], "Prometheus (scrapes the platform's metrics)");
  }
  const prometheus = which("prometheus");
  const promtool = which("promtool");
  if (!prometheus || !promtool) {
    throw new StackError("prometheus or promtool is still not on PATH after installing it");
  }
  return { prometheus, promtool };
}

/** The arguments of a Prometheus on 127.0.0.1:port with its data under `dataDir`. */
export function prometheusArgs(config: string, dataDir: string, listenPort: number): string[] {
  return [
    `--config.file=${config}`,
    `--storage.tsdb.path=${dataDir}`,
    "--storage.tsdb.retention.time=15d",
    `--web.listen-address=127.0.0.1:${listenPort}`,
    // `kill -HUP` or POST /-/reload picks up edited rules without a restart.
    "--web.enable-lifecycle",
  ];
}

let binary = "";

/**
 * Prometheus scraping every platform process with the rules of observability/prometheus/.
 * It starts with the stack, before the processes: their targets are down until
 * `vobe start` has started them, which is what the up metric should say.
 */
export const prometheusService: NativeService = {
  name: NAME,
  ports: [port],
  dependsOn: [],
  startupTimeoutMs: 60_000,
  stopSignal: "SIGTERM",
  endpoint: `http://127.0.0.1:${port}`,

  async prepare() {
    binary = (await findPrometheus()).prometheus;
  },

  async start() {
    const conf = stackPaths.conf(NAME);
    mkdirSync(conf, { recursive: true });
    const config = join(conf, "prometheus.yml");
    // Written at every start: the processes' ports follow VOBE_*_PORT.
    writeFileSync(
      config,
      prometheusConfig({
        targets: [
          ...platformTargets(),
          { job: "prometheus", target: `127.0.0.1:${port}`, path: "/metrics" },
        ],
        ruleFiles: [join(rulesDir, "*.yml")],
      }),
    );
    mkdirSync(stackPaths.data(NAME), { recursive: true });
    spawnDetached({
      command: binary,
      args: prometheusArgs(config, stackPaths.data(NAME), port),
      logFile: stackPaths.log(NAME),
      pidFile: stackPaths.pid(NAME),
    });
  },

  async healthy() {
    const response = await fetch(`http://127.0.0.1:${port}/-/ready`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.ok;
  },
};
