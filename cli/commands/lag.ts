import type { Command } from "commander";
import prettyMs from "pretty-ms";
import type { AgedLag } from "../../ops/lag/age.ts";
import type { LagSample, LagTrend } from "../../ops/lag/trend.ts";
import { plainTable, say } from "../output.ts";

/**
 * `vobe lag`: every streams application, every view version and, when a Kafka Connect
 * worker answers, every connector it runs: how far behind its
 * topics it is, in records and in seconds, how fast it reads, whether it gains, and when it
 * catches up at that pace. One run takes two samples `--sample` seconds apart; `--watch`
 * keeps sampling and computes the trend over the last `--window` minutes.
 */
export function registerLagCommand(program: Command): void {
  program
    .command("lag")
    .description(
      "how far each streams application, view and Connect connector is behind, in records and seconds, with its trend and ETA",
    )
    .option(
      "--sample <seconds>",
      "seconds between the two samples of a single run (0: one sample, no trend)",
      "3",
    )
    .option("--watch", "keep sampling and printing until Ctrl-C")
    .option("--interval <seconds>", "seconds between samples with --watch", "5")
    .option("--window <minutes>", "the trend's window with --watch", "5")
    .option("--partitions", "a line per partition")
    .option("--retired", "include retired view versions")
    .option("--json", "print JSON (one document per sample with --watch)")
    .option("--prefix <prefix>", "topic and application-id prefix (a prefixed catalog)", "")
    .option("--schema-prefix <prefix>", "the views' Postgres schema prefix", "")
    .action(async (options: LagOptions) => {
      const { endpointsFromEnv } = await import("../../platform/config/endpoints.ts");
      const { runLag } = await import("../../ops/lag/run.ts");
      const { platformConsumers } = await import("../platform/consumers.ts");
      const endpoints = endpointsFromEnv();
      const platform = await platformConsumers(endpoints, {
        prefix: options.prefix,
        schemaPrefix: options.schemaPrefix,
        retired: options.retired === true,
      });
      try {
        await runLag(endpoints, platform.consumers, {
          sampleMs: Number(options.sample) * 1000,
          watch: options.watch === true,
          intervalMs: Number(options.interval) * 1000,
          windowMs: Number(options.window) * 60_000,
          print: (report) =>
            say(options.json ? toJson(report) : render(report, options.partitions === true)),
        });
      } finally {
        await platform.close();
      }
    });
}

interface LagOptions {
  sample: string;
  watch?: boolean;
  interval: string;
  window: string;
  partitions?: boolean;
  retired?: boolean;
  json?: boolean;
  prefix: string;
  schemaPrefix: string;
}

export interface LagReport {
  at: number;
  rows: Array<{ lag: AgedLag; trend: LagTrend | null; samples: readonly LagSample[] }>;
}

const nameOf = (lag: AgedLag) =>
  lag.consumer.kind === "view"
    ? `view ${lag.consumer.name} v${lag.consumer.version}`
    : lag.consumer.kind === "connector"
      ? `connector ${lag.consumer.name}`
      : lag.consumer.name;

const stateOf = (lag: AgedLag) =>
  lag.consumer.kind === "view"
    ? lag.consumer.state
    : lag.consumer.kind === "connector"
      ? "connect"
      : "app";

const seconds = (s: number | null) =>
  s === null
    ? "?"
    : s === 0
      ? "0"
      : prettyMs(s * 1000, { compact: s >= 60, secondsDecimalDigits: 0 });

const rate = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(1));

function render(report: LagReport, partitions: boolean): string {
  const table = plainTable(
    ["consumer", "kind", "behind", "age", "read/s", "behind/min", "ETA"],
    ["left", "left", "right", "right", "right", "right", "right"],
  );
  for (const { lag, trend } of report.rows) {
    table.push([
      nameOf(lag),
      stateOf(lag),
      lag.behind.toString(),
      seconds(lag.secondsBehind),
      trend ? rate(trend.readPerSecond) : "",
      trend ? rate(trend.behindPerMinute) : "",
      !trend ? "" : trend.etaSeconds === null ? "not gaining" : seconds(trend.etaSeconds),
    ]);
    for (const topic of lag.missingTopics)
      table.push([`  ${topic}: no such topic`, "", "", "", "", "", ""]);
    if (partitions) {
      for (const p of lag.partitions) {
        table.push([
          `  ${p.topic}/${p.partition}`,
          "",
          p.behind.toString(),
          p.oldestUnreadAt === null
            ? ""
            : seconds(Math.max(0, (report.at - p.oldestUnreadAt) / 1000)),
          "",
          "",
          `${p.next}/${p.end}`,
        ]);
      }
    }
  }
  return `${new Date(report.at).toISOString()}\n${table.toString()}`;
}

function toJson(report: LagReport): string {
  return JSON.stringify(
    {
      at: new Date(report.at).toISOString(),
      consumers: report.rows.map(({ lag, trend }) => ({
        kind: lag.consumer.kind,
        name: lag.consumer.name,
        ...(lag.consumer.kind === "view"
          ? { version: lag.consumer.version, state: lag.consumer.state }
          : { groupId: lag.consumer.groupId }),
        behind: Number(lag.behind),
        secondsBehind: lag.secondsBehind,
        missingTopics: lag.missingTopics,
        trend: trend && {
          readPerSecond: trend.readPerSecond,
          writtenPerSecond: trend.writtenPerSecond,
          behindPerMinute: trend.behindPerMinute,
          etaSeconds: trend.etaSeconds,
        },
        partitions: lag.partitions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          next: Number(p.next),
          end: Number(p.end),
          behind: Number(p.behind),
          oldestUnreadAt:
            p.oldestUnreadAt === null ? null : new Date(p.oldestUnreadAt).toISOString(),
        })),
      })),
    },
    null,
    2,
  );
}
