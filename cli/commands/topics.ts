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
    .option(
      "--replication-factor <n>",
      "replication factor of new topics (default: the cluster's broker count, up to 3)",
    )
    .action(async (options: { replicationFactor?: string }) => {
      const { applyCatalog, summary } = await import("../../schemas/apply.ts");
      const endpoints = endpointsFromEnv();
      const report = await applyCatalog({
        kafkaBrokers: endpoints.kafkaBrokers,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        ...(options.replicationFactor
          ? { replicationFactor: Number(options.replicationFactor) }
          : {}),
        log: say,
      });
      say(summary(report));
      if (report.refused.length > 0) process.exitCode = 1;
    });

  const catalogPrefix = (c: Command) =>
    c.option("--prefix <prefix>", "a prefixed catalog (tests, a second platform on one stack)", "");

  catalogPrefix(topics.command("list"))
    .description("every topic of the catalog: owner, kind, partitions, records now")
    .option(
      "--all",
      "also the topics on the broker that are not in the catalog (internal, dead letters)",
    )
    .option("--json", "print JSON")
    .action(async (options: { prefix: string; all?: boolean; json?: boolean }) => {
      const { listTopics } = await import("../topics-commands.ts");
      await listTopics(options);
    });

  catalogPrefix(topics.command("describe <topic>"))
    .description(
      "one topic: what the catalog says, offsets per partition, configs, schema subjects",
    )
    .option("--json", "print JSON")
    .action(async (name: string, options: { prefix: string; json?: boolean }) => {
      const { describe } = await import("../topics-commands.ts");
      await describe(name, options);
    });

  topics
    .command("tail <topic>")
    .description(
      "decoded records of a topic from a place, filtered, bounded: --from earliest|latest|<offset>|<date-time>",
    )
    .option(
      "--from <where>",
      "earliest, latest, an offset (in every partition) or an ISO date/time",
      "latest",
    )
    .option("--partition <n...>", "only these partitions")
    .option("-f, --follow", "wait for new records (until Ctrl-C, --seconds or --max)")
    .option("--key <key>", "only records with this key")
    .option(
      "--where <field=value...>",
      "only records whose field has this value (dots for nested fields)",
    )
    .option("--max <n>", "stop after this many records shown", "100")
    .option("--scan <n>", "stop after this many records read")
    .option("--seconds <n>", "stop after this many seconds")
    .option("--json", "one JSON document per record (NDJSON)")
    .action(async (topic: string, options: import("../topics-commands.ts").TailOptions) => {
      const { tail } = await import("../topics-commands.ts");
      await tail(topic, options);
    });
}
