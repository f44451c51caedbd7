import type { Command } from "commander";
import { formatLogLine, searchLogs } from "../../ops/logs/search.ts";
import { defaultLogIndexPrefix } from "../../ops/logs/shipper.ts";
import { say } from "../output.ts";

/** The platform's own processes whose JSON log files are shipped (not the stack's services). */
export const shippedProcesses = ["api", "processors", "sinks", "guide"] as const;

/**
 * `vobe logs`: searches the platform's logs in the search engine by request id, trace id,
 * process or level (docs/adr/031-traces-and-logs.md). It ships what the log files of
 * `vobe start` hold first, so the answer is current; `vobe logs ship --follow` keeps
 * shipping. Output is for people: one line each, oldest first (`--json` for tools).
 */
export function registerLogsCommand(program: Command): void {
  const logs = program
    .command("logs")
    .description(
      "search the platform's logs (shipped to the search engine, daily vobe-logs-* indices) by request id, trace id, process or level",
    )
    .option("--request <id>", "lines of one request (its X-Request-Id)")
    .option("--trace <id>", "lines of one trace (32 hex digits)")
    .option("--process <name>", `one process: ${shippedProcesses.join(", ")}`)
    .option("--level <level>", "this level and above: debug, info, warn, error")
    .option("--since <minutes>", "only the last N minutes")
    .option("--grep <text>", "words in the message")
    .option("--limit <n>", "the most recent N lines", "200")
    .option("--json", "one JSON document a line")
    .option("--no-ship", "search what is shipped already, without shipping first")
    .option("--index-prefix <prefix>", "the daily indices' prefix", defaultLogIndexPrefix)
    .action(async (options: LogsOptions) => {
      const { engine, shipper } = await connect(options.indexPrefix);
      try {
        if (options.ship) await shipper.shipOnce();
        // What was just shipped is searchable now, not after the engine's next refresh.
        await engine.refresh(`${options.indexPrefix}*`);
        const lines = await searchLogs(engine, {
          requestId: options.request,
          traceId: options.trace,
          process: options.process,
          level: options.level,
          text: options.grep,
          since: options.since ? new Date(Date.now() - Number(options.since) * 60_000) : undefined,
          limit: Number(options.limit),
          indexPrefix: options.indexPrefix,
        });
        for (const line of lines) say(options.json ? JSON.stringify(line) : formatLogLine(line));
        if (lines.length === 0 && !options.json) say("no log lines match");
      } finally {
        await engine.close();
      }
    });

  logs
    .command("ship")
    .description("ship the platform's log files to the search engine (once, or --follow)")
    .option("--follow", "keep shipping every --interval seconds until Ctrl-C")
    .option("--interval <seconds>", "seconds between two rounds with --follow", "2")
    .action(async (options: { follow?: boolean; interval: string }) => {
      const { engine, shipper } = await connect();
      let stopping = false;
      const stop = () => {
        stopping = true;
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        do {
          const { shipped, indices } = await shipper.shipOnce();
          if (shipped > 0 || !options.follow) {
            say(`shipped ${shipped} log lines${indices.length ? ` to ${indices.join(", ")}` : ""}`);
          }
          if (options.follow && !stopping) {
            await new Promise((resolve) => setTimeout(resolve, Number(options.interval) * 1000));
          }
        } while (options.follow && !stopping);
      } finally {
        await engine.close();
      }
    });
}

async function connect(indexPrefix = defaultLogIndexPrefix) {
  const { endpointsFromEnv } = await import("../../platform/config/endpoints.ts");
  const { connectSearch } = await import("../../platform/search/connect.ts");
  const { stackPaths } = await import("../../stack/config.ts");
  const { createLogShipper } = await import("../../ops/logs/shipper.ts");
  const { join } = await import("node:path");
  const engine = await connectSearch(endpointsFromEnv());
  const shipper = createLogShipper({
    engine,
    files: shippedProcesses.map((p) => stackPaths.log(p)),
    statePath: join(stackPaths.run, `log-shipper-${indexPrefix}.json`),
    indexPrefix,
  });
  return { engine, shipper };
}

interface LogsOptions {
  request?: string;
  trace?: string;
  process?: string;
  level?: string;
  since?: string;
  grep?: string;
  limit: string;
  json?: boolean;
  ship: boolean;
  indexPrefix: string;
}
