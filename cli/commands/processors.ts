import type { Command } from "commander";
import { provideEndpoints } from "../../stack/provide.ts";
import { say } from "../output.ts";

/**
 * `vobe serve processors [--only name...]`: the music topologies (processors/topologies/),
 * each as its own streams application, in the foreground until SIGINT/SIGTERM.
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
    .action(async (options: { only?: string[]; prefix: string }) => {
      const { topologyNames } = await import("../../processors/topologies/index.ts");
      const unknown = (options.only ?? []).filter((n) => !(topologyNames as string[]).includes(n));
      if (unknown.length > 0) {
        say(`unknown topology: ${unknown.join(", ")}; known: ${topologyNames.join(", ")}`);
        process.exitCode = 1;
        return;
      }
      const { endpoints } = await provideEndpoints(say);
      const { startProcessors } = await import("../../processors/apps/index.ts");
      let running: Awaited<ReturnType<typeof startProcessors>>;
      try {
        running = await startProcessors({
          brokers: endpoints.kafkaBrokers,
          schemaRegistryUrl: endpoints.schemaRegistryUrl,
          prefix: options.prefix,
          only: options.only as typeof topologyNames | undefined,
          log: say,
        });
      } catch (error) {
        // A missing schema or topic: say what to run, without a stack trace.
        say(`vobe: the processors did not start: ${(error as Error).message}`);
        process.exitCode = 1;
        return;
      }
      const { startHealthServer } = await import("../../processors/apps/health-server.ts");
      const port = Number(process.env.VOBE_PROCESSORS_PORT ?? 9464);
      const health = await startHealthServer(running.apps, port);
      say(
        `processors running: ${running.apps.map((a) => a.app.config.applicationId).join(", ")} (metrics and health on :${port}; Ctrl-C stops them)`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          say(`${signal}: stopping the processors (committing what is processed)`);
          health.close();
          running.stop().then(resolve, (error: unknown) => {
            say(`stopping failed: ${(error as Error).message}`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
        // An app that stops on an error ends the command too.
        for (const { app } of running.apps) {
          app.onStateChange((state, error) => {
            if (state !== "error") return;
            say(`${app.config.applicationId} failed: ${error?.message}`);
            process.exitCode = 1;
            stop("error");
          });
        }
      });
    });
}
