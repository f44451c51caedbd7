import type { Command } from "commander";
import { requireReason } from "../../ops/audit/audit.ts";
import { provideEndpoints } from "../../stack/provide.ts";
import { positiveWhole } from "../options.ts";
import { say } from "../output.ts";
import { progressBar } from "../progress.ts";

/**
 * `vobe serve sinks [--only view…] [--prefix …]` runs the views; `vobe sinks status |
 * rebuild | swap | rollback | drop` manage their versions (docs/adr/010-sinks.md). The
 * admin commands use the endpoints as configured and never start the stack: an operator's
 * command that finds nothing running says so. The sinks' modules are imported in the
 * actions so other commands do not load them.
 */
export function registerSinksCommands(program: Command): void {
  const serve =
    program.commands.find((c) => c.name() === "serve") ??
    program.command("serve").description("run one of the platform's servers in the foreground");

  serve
    .command("sinks")
    .description(
      "the sinks: every view (Postgres and search) follows its topics until SIGINT/SIGTERM; endpoints from env or the native stack",
    )
    .option(
      "--only <views...>",
      "only these views (auth artist content comment feedback listening chat search)",
    )
    // A prefixed run (tests, a second platform on one stack): its topics, its schemas, its indices.
    .option("--prefix <prefix>", "topic prefix (a prefixed catalog)")
    .option("--schema-prefix <prefix>", "put in front of each view's Postgres schema")
    .option("--index-prefix <prefix>", "put in front of the search indices and aliases")
    .action(
      async (options: {
        only?: string[];
        prefix?: string;
        schemaPrefix?: string;
        indexPrefix?: string;
      }) => {
        const { endpoints } = await provideEndpoints(say);
        const { runSinks } = await import("../../sinks/serve.ts");
        await runSinks(endpoints, {
          ...(options.only ? { only: options.only } : {}),
          ...(options.prefix ? { topicPrefix: options.prefix } : {}),
          ...(options.schemaPrefix ? { schemaPrefix: options.schemaPrefix } : {}),
          ...(options.indexPrefix ? { indexPrefix: options.indexPrefix } : {}),
        });
      },
    );

  const sinks = program
    .command("sinks")
    .alias("views")
    .description("the views' versions: status, rebuild, swap, rollback, verify, drop");

  // Every admin command can address a prefixed platform (tests, a second platform on one stack).
  const placed = (command: Command) =>
    command
      .option("--prefix <prefix>", "topic prefix (a prefixed catalog)", "")
      .option("--schema-prefix <prefix>", "the views' Postgres schema prefix", "")
      .option("--index-prefix <prefix>", "the search indices' prefix", "");
  const changing = (command: Command) =>
    placed(command).option(
      "--reason <why>",
      "why (required; written to the audit trail ops.audit)",
    );
  const catchingUp = (command: Command) =>
    changing(command)
      .option(
        "--timeout <minutes>",
        "give up a catch-up after this long (its progress is kept)",
        "30",
      )
      .option("--no-progress", "no progress bar (one is drawn on a terminal)");

  placed(sinks.command("status"))
    .description("each view's versions, which one is live, and how far each is behind its topics")
    .option("--json", "print JSON")
    .action(async (options: Placed & { json?: boolean }) => {
      const { viewsStatus } = await import("../sinks-status.ts");
      say(await viewsStatus(options, options.json === true));
    });

  catchingUp(sinks.command("rebuild <view>"))
    .description(
      "build a new version of a view from its topics beside the live one, then swap it in; Ctrl-C stops it, run again with --version to resume",
    )
    .option("--version <n>", "the version to build or resume (default: the highest + 1)")
    .option("--no-swap", "leave the new version built but not live")
    .action(async (view: string, options: CatchingUp & { version?: string; swap: boolean }) => {
      const reason = requireReason(options.reason);
      const { rebuildView } = await import("../../sinks/admin.ts");
      const { BuildCancelled } = await import("../../sinks/runtime.ts");
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once("SIGINT", onSigint);
      const bar = options.progress ? progressBar(`${view} rebuild`) : undefined;
      try {
        const built = await rebuildView(await endpoints(), view, {
          ...admin(options, bar),
          swap: options.swap,
          signal: stop.signal,
          ...(options.version ? { version: positiveWhole(options.version, "--version") } : {}),
        });
        bar?.stop();
        say(`${view}: v${built.version} ${options.swap ? "is live" : "is built (not live)"}`);
        await audit(options, {
          action: "sinks.rebuild",
          target: view,
          reason,
          details: { version: String(built.version), swapped: String(options.swap) },
        });
      } catch (error) {
        bar?.stop();
        if (!(error instanceof BuildCancelled)) throw error;
        say(
          `${view}: stopped; its positions are kept: vobe sinks rebuild ${view} --version <n> resumes`,
        );
        process.exitCode = 130;
      } finally {
        process.off("SIGINT", onSigint);
      }
    });

  catchingUp(sinks.command("swap <view> <version>"))
    .description(
      "catch a version of a view up to its topics' ends, then make it the live one, atomically",
    )
    .action(async (view: string, version: string, options: CatchingUp) => {
      const reason = requireReason(options.reason);
      const { swapView } = await import("../../sinks/admin.ts");
      const bar = options.progress ? progressBar(`${view} catch-up`) : undefined;
      try {
        await swapView(
          await endpoints(),
          view,
          positiveWhole(version, "version"),
          admin(options, bar),
        );
      } finally {
        bar?.stop();
      }
      await audit(options, { action: "sinks.swap", target: view, reason, details: { version } });
    });

  catchingUp(sinks.command("rollback <view>"))
    .description("swap back to the newest retired version of a view (caught up first)")
    .action(async (view: string, options: CatchingUp) => {
      const reason = requireReason(options.reason);
      const { rollbackView } = await import("../../sinks/admin.ts");
      const bar = options.progress ? progressBar(`${view} catch-up`) : undefined;
      let back: number;
      try {
        back = await rollbackView(await endpoints(), view, admin(options, bar));
      } finally {
        bar?.stop();
      }
      await audit(options, {
        action: "sinks.rollback",
        target: view,
        reason,
        details: { version: String(back) },
      });
    });

  catchingUp(sinks.command("verify <view>"))
    .description(
      "compare the live version of a Postgres view with a fresh fold of its topics (built beside it, then dropped); exit 1 on a difference",
    )
    .option("--keep", "keep the fresh version (not live) to look at")
    .option("--json", "print JSON")
    .action(async (view: string, options: CatchingUp & { keep?: boolean; json?: boolean }) => {
      const { verifyView } = await import("../../sinks/admin.ts");
      const bar = options.progress && !options.json ? progressBar(`${view} fresh fold`) : undefined;
      let report: Awaited<ReturnType<typeof verifyView>>;
      try {
        report = await verifyView(await endpoints(), view, {
          ...admin(options, bar),
          ...(options.json ? { log: () => {} } : {}),
          ...(options.keep ? { keep: true } : {}),
        });
      } finally {
        bar?.stop();
      }
      if (options.json) say(JSON.stringify(report, null, 2));
      else if (report.differences.length === 0) {
        say(`${view}: v${report.live} equals a fresh fold of its topics (${report.tables} tables)`);
      } else {
        say(`${view}: v${report.live} differs from a fresh fold (v${report.fresh}):`);
        for (const d of report.differences) {
          say(
            `  ${d.table}: ${d.onlyLive} rows only in the live version, ${d.onlyFresh} only in the fold`,
          );
          for (const e of d.examples) say(`    ${e}`);
        }
      }
      if (report.differences.length > 0) process.exitCode = 1;
    });

  changing(sinks.command("drop <view> <version>"))
    .description("drop a version of a view that is not live")
    .action(async (view: string, version: string, options: Placed) => {
      const reason = requireReason(options.reason);
      const { dropViewVersion } = await import("../../sinks/admin.ts");
      await dropViewVersion(
        await endpoints(),
        view,
        positiveWhole(version, "version"),
        admin(options),
      );
      await audit(options, { action: "sinks.drop", target: view, reason, details: { version } });
    });
}

interface Placed {
  prefix: string;
  schemaPrefix: string;
  indexPrefix: string;
  reason?: string;
}

/** After the action succeeded: an action that failed changed nothing to record. */
async function audit(options: Placed, entry: import("../../ops/audit/audit.ts").AuditEntry) {
  const { recordAction } = await import("../../ops/audit/audit.ts");
  await recordAction(await endpoints(), entry, { topicPrefix: options.prefix });
}

interface CatchingUp extends Placed {
  timeout: string;
  progress: boolean;
}

async function endpoints() {
  const { endpointsFromEnv } = await import("../../platform/config/endpoints.ts");
  return endpointsFromEnv();
}

function admin(options: Placed & { timeout?: string }, bar?: ReturnType<typeof progressBar>) {
  const minutes = options.timeout === undefined ? undefined : Number(options.timeout);
  if (minutes !== undefined && !(minutes > 0)) throw new Error(`--timeout must be > 0 minutes`);
  return {
    placement: {
      ...(options.prefix ? { topicPrefix: options.prefix } : {}),
      ...(options.schemaPrefix ? { schemaPrefix: options.schemaPrefix } : {}),
      ...(options.indexPrefix ? { indexPrefix: options.indexPrefix } : {}),
    },
    ...(minutes ? { timeoutMs: minutes * 60_000 } : {}),
    log: (line: string) => (bar ? bar.log(line) : say(line)),
    ...(bar ? { progress: bar.update } : {}),
  };
}
