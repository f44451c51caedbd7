import type { Command } from "commander";
import { provideEndpoints } from "../../stack/provide.ts";
import { say } from "../output.ts";
import { seconds } from "./stack.ts";

export function registerStartCommand(program: Command): void {
  program
    .command("start")
    .description(
      "start the whole platform: the native stack (unless env variables point elsewhere) and what runs on it",
    )
    .action(async () => {
      const began = Date.now();
      const { endpoints, started } = await provideEndpoints(say);
      say(
        `\nVobeMusic is up in ${seconds(began)} s (started now: ${started.join(", ") || "nothing, all were running"})`,
      );
      say(`  Kafka            ${endpoints.kafkaBrokers.join(",")}`);
      say(`  Schema Registry  ${endpoints.schemaRegistryUrl}`);
      say(`  Postgres         ${endpoints.databaseUrl.replace(/:[^:@/]+@/, ":***@")}`);
      say(`  Search           ${endpoints.searchUrl}`);
      say("Stop it with: ./vobe stack down");
    });
}
