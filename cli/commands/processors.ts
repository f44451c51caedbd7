import type { Command } from "commander";
import { provideEndpoints } from "../../stack/provide.ts";
import { say } from "../output.ts";

/**
 * `vobe serve processors [--only name...]`: the music topologies (processors/topologies/),
 * each as its own streams application in its own worker thread, in the foreground until
 * SIGINT/SIGTERM (processors/apps/serve.ts; docs/adr/017-processor-isolation.md).
 * Registered under the `serve` command, so it must run after registerServeCommand.
 */
export function registerProcessorsCommand(program: Command): void {
  const serve =
    program.commands.find((c) => c.name() === "serve") ??
    program.command("serve").description("run one of the platform's servers in the foreground");

  serve
    .command("processors")
    .description(
      "the stream processors (plays per track, trending, comment counts, post details, track documents, identity owners) until Ctrl-C",
    )
    .option("--only <names...>", "run only these topologies (see processors/topologies/index.ts)")
    .option("--prefix <prefix>", "topic and application-id prefix (a prefixed catalog)", "")
    .option(
      "--state-dir <dir>",
      "where the persistent stores live (default .stack/state, or state/ under VOBE_STACK_HOME)",
    )
    .action(async (options: { only?: string[]; prefix: string; stateDir?: string }) => {
      const { topologyNames } = await import("../../processors/topologies/index.ts");
      const unknown = (options.only ?? []).filter((n) => !(topologyNames as string[]).includes(n));
      if (unknown.length > 0) {
        say(`unknown topology: ${unknown.join(", ")}; known: ${topologyNames.join(", ")}`);
        process.exitCode = 1;
        return;
      }
      const { endpoints } = await provideEndpoints(say);
      // Each app in its own worker thread; /health and /metrics stay on this one.
      const { runProcessors } = await import("../../processors/apps/serve.ts");
      let code: number;
      try {
        code = await runProcessors({
          brokers: endpoints.kafkaBrokers,
          schemaRegistryUrl: endpoints.schemaRegistryUrl,
          prefix: options.prefix,
          ...(options.stateDir ? { stateDir: options.stateDir } : {}),
          ...(options.only ? { only: options.only } : {}),
          port: Number(process.env.VOBE_PROCESSORS_PORT ?? 9464),
        });
      } catch (error) {
        say(`vobe: the processors did not start: ${(error as Error).message}`);
        code = 1;
      }
      // Stopped threads and closed sockets should let the process end by itself; exiting
      // here keeps the stop's bound even if some handle lingers.
      process.exit(code);
    });
}

/**
 * `vobe processors reset <name…> | --all`: the next start of those topologies reprocesses
 * their inputs from offset 0 (processors/apps/reset.ts). For a topology whose state format
 * changed, or to replay after a fix.
 */
export function registerProcessorsAdminCommand(program: Command): void {
  const processors = program
    .command("processors")
    .description("the stream processors' applications (see also vobe serve processors)");
  processors
    .command("reset")
    .description(
      "reset topologies so their next start reprocesses everything from offset 0 (their group offsets, internal topics and local state are deleted; the processors must be stopped)",
    )
    .argument("[names...]", "topologies to reset (see processors/topologies/index.ts)")
    .option("--all", "every topology")
    .option("--prefix <prefix>", "topic and application-id prefix (a prefixed catalog)", "")
    .option(
      "--state-dir <dir>",
      "where the persistent stores live (default .stack/state, or state/ under VOBE_STACK_HOME)",
    )
    .option("--reason <why>", "why (required; written to the audit trail ops.audit)")
    .option("--dry-run", "say what would be deleted; delete nothing")
    .action(
      async (
        names: string[],
        options: {
          all?: boolean;
          prefix: string;
          stateDir?: string;
          reason?: string;
          dryRun?: boolean;
        },
      ) => {
        const { requireReason, recordAction } = await import("../../ops/audit/audit.ts");
        const reason = options.dryRun ? "" : requireReason(options.reason);
        const { topologyNames } = await import("../../processors/topologies/index.ts");
        const chosen = options.all ? [...topologyNames] : names;
        const unknown = chosen.filter((n) => !(topologyNames as string[]).includes(n));
        if (chosen.length === 0 || unknown.length > 0) {
          say(
            `${unknown.length > 0 ? `unknown topology: ${unknown.join(", ")}; ` : "name topologies or --all; "}known: ${topologyNames.join(", ")}`,
          );
          process.exitCode = 1;
          return;
        }
        const { endpoints } = await provideEndpoints(say);
        const { resetApplications } = await import("../../processors/apps/reset.ts");
        try {
          const results = await resetApplications({
            brokers: endpoints.kafkaBrokers,
            names: chosen,
            prefix: options.prefix,
            ...(options.stateDir ? { stateDir: options.stateDir } : {}),
            ...(options.dryRun ? { dryRun: true } : {}),
          });
          for (const r of results) {
            const what = `offsets of ${r.committedPartitions} partitions, ${r.deletedTopics.length} internal topics${r.deletedTopics.length > 0 ? ` (${r.deletedTopics.join(", ")})` : ""}${r.hadLocalState ? ", local state" : ""}`;
            say(
              options.dryRun
                ? `${r.applicationId}: would delete ${what}`
                : `${r.applicationId}: reset: deleted ${what}`,
            );
          }
          if (options.dryRun) return;
          say("its next start reprocesses from offset 0; follow it with: vobe lag --watch");
          for (const r of results) {
            await recordAction(
              endpoints,
              {
                action: "processors.reset",
                target: r.applicationId,
                reason,
                details: { internalTopicsDeleted: String(r.deletedTopics.length) },
              },
              { topicPrefix: options.prefix },
            );
          }
        } catch (error) {
          say(`vobe: ${(error as Error).message}`);
          process.exitCode = 1;
        }
      },
    );
}
