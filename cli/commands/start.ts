import type { Command } from "commander";
import { provideEndpoints } from "../../stack/provide.ts";
import { stackDown } from "../../stack/stack.ts";
import { say } from "../output.ts";
import { startPlatform, stopPlatform } from "../platform/processes.ts";
import { seconds } from "./stack.ts";

/**
 * The demo's back-dated listening: enough plays in the last hour to rank a few dozen
 * tracks, few enough to be read in seconds.
 */
const recentDemoPlays = { count: 3_000, minutes: 75 };

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description(
      "start the whole platform: the native stack (unless env variables point elsewhere), topics and schemas, demo data when empty, the API",
    )
    .option("--no-demo", "do not load the demo catalog into an empty platform")
    .option(
      "--brokers <n>",
      "Kafka brokers of the native stack (3: a KRaft cluster, replication factor 3, min.insync.replicas 2; sets VOBE_KAFKA_BROKERS)",
    )
    .option(
      "--connect",
      "also run Kafka Connect, copying domain topics into the analytics database (vobe connect up)",
    )
    .option(
      "--foreground",
      "stay attached and stop the platform's processes on Ctrl-C / SIGTERM (containers)",
    )
    .action(
      async (options: {
        demo: boolean;
        connect?: boolean;
        foreground?: boolean;
        brokers?: string;
      }) => {
        const began = Date.now();
        // The stack reads it on each use (stack/config.ts), so the cluster and the topics follow.
        if (options.brokers !== undefined) process.env.VOBE_KAFKA_BROKERS = options.brokers;
        const { endpoints, started } = await provideEndpoints(say);
        // Imported here so that `vobe stack …` does not load the schemas and the demo data.
        const { applyCatalog, summary } = await import("../../schemas/apply.ts");
        const report = await applyCatalog({
          kafkaBrokers: endpoints.kafkaBrokers,
          schemaRegistryUrl: endpoints.schemaRegistryUrl,
        });
        for (const line of summary(report).split("\n")) say(line);
        // The API probes uploaded audio with ffprobe; the demo's audio is made by ffmpeg.
        const { findFfmpeg } = await import("../../stack/host.ts");
        await findFfmpeg();
        if (options.demo) {
          const {
            defaultDemoSeed,
            demoListening,
            demoPassword,
            isPlatformEmpty,
            loadDemoCatalog,
            sendRecentPlays,
          } = await import("../../connect/demo/index.ts");
          if (await isPlatformEmpty({ endpoints })) {
            say("loading the demo catalog into the empty platform…");
            const loaded = await loadDemoCatalog({ endpoints, size: "full" });
            // Real audio for some tracks, through the upload path (connect/demo/audio.ts).
            const { loadDemoAudio } = await import("../../connect/demo/audio.ts");
            const audio = await loadDemoAudio({ endpoints, catalog: loaded.catalog });
            say(`demo audio: ${audio.tracks} tracks in ${audio.seconds.toFixed(1)} s`);
            // The last hour's listening, so "trending now" has a closed hour to rank.
            const recent = await sendRecentPlays({
              endpoints,
              seed: defaultDemoSeed,
              ...demoListening(loaded.catalog),
              count: recentDemoPlays.count,
              minutes: recentDemoPlays.minutes,
            });
            say(
              `demo listening: ${recent.sent} plays over the last ${recentDemoPlays.minutes} minutes`,
            );
            say(
              `demo catalog: ${loaded.events.toLocaleString("en-US")} events (sign in as "admin", password "${demoPassword}")`,
            );
          } else {
            say("the platform has data already: no demo catalog loaded");
          }
        }
        // The gateway serves ui/dist at /: built only when the app's sources changed.
        const { buildWebApp } = await import("../../ui/scripts/build.ts");
        await buildWebApp(say);
        const platform = await startPlatform(endpoints, say);
        const { waitForCatchUp } = await import("../platform/catch-up.ts");
        const catchUp = await waitForCatchUp(endpoints, say);
        if (!catchUp.caughtUp)
          say(
            `warning: the processors and views are still ${catchUp.behind.toLocaleString("en-US")} records behind; \`./vobe lag\` shows where`,
          );
        // Opt-in: a fourth JVM (after Kafka, the registry, OpenSearch) on two cores, for analysts only (docs/adr/035-kafka-connect.md).
        if (options.connect) {
          const { connectUp } = await import("../../connect/kafka-connect/worker.ts");
          const up = await connectUp({ endpoints, log: say });
          say(`Kafka Connect at ${up.url}: ${up.connectors.length} connectors running`);
        }
        say(
          `\nVobeMusic is up in ${seconds(began)} s (started now: ${[...started, ...platform].join(", ") || "nothing, all were running"})`,
        );
        say(`  Web app            http://127.0.0.1:${process.env.VOBE_API_PORT ?? 8080}/`);
        say(`  API and its docs   http://127.0.0.1:${process.env.VOBE_API_PORT ?? 8080}/api/docs`);
        say(`  Kafka              ${endpoints.kafkaBrokers.join(",")}`);
        say(`  Schema Registry    ${endpoints.schemaRegistryUrl}`);
        say(`  Postgres           ${endpoints.databaseUrl.replace(/:[^:@/]+@/, ":***@")}`);
        say(`  Search             ${endpoints.searchUrl}`);
        if (!options.foreground) {
          say("Stop it with: ./vobe stop");
          return;
        }
        say("Running in the foreground; Ctrl-C stops the platform's processes.");
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await stopPlatform(say);
      },
    );

  program
    .command("stop")
    .description("stop the platform's processes and the native stack (data is kept)")
    .action(async () => {
      await stopPlatform(say);
      // Kafka Connect is not one of the stack's services (opt-in): stopped here before Kafka.
      const { connectDown } = await import("../../connect/kafka-connect/worker.ts");
      if (await connectDown()) say("connect: stopped");
      await stackDown(say);
    });
}
