import type { Command } from "commander";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { say } from "../output.ts";

export function registerTopicCommands(program: Command): void {
  const topics = program
    .command("topics")
    .description("the topics of the event log (schemas/catalog.ts)");

  topics
    .command("apply")
    .description(
      "create missing topics, set differing topic configs, register every event schema with its compatibility level; never deletes",
    )
    .option("--replication-factor <n>", "replication factor of new topics", "1")
    .action(async (options: { replicationFactor: string }) => {
      const { applyCatalog, summary } = await import("../../schemas/apply.ts");
      const endpoints = endpointsFromEnv();
      const report = await applyCatalog({
        kafkaBrokers: endpoints.kafkaBrokers,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        replicationFactor: Number(options.replicationFactor),
        log: say,
      });
      say(summary(report));
      if (report.refused.length > 0) process.exitCode = 1;
    });
}
