import type { Command } from "commander";
import { servicesNamed, stackDown, stackStatus, stackUp } from "../../stack/stack.ts";
import { say } from "../output.ts";

export function registerStackCommands(program: Command): void {
  const stack = program
    .command("stack")
    .description("the native services: Kafka, the schema registry, Postgres, search");

  stack
    .command("up")
    .description("start every service (idempotent) and wait until each is healthy")
    .argument("[services...]", "only these services (and none they depend on)")
    .action(async (names: string[]) => {
      const began = Date.now();
      const only = names.length > 0 ? names.flatMap(servicesNamed) : undefined;
      const started = await stackUp(say, only);
      say(`stack healthy in ${seconds(began)} s (started: ${started.join(", ") || "none"})`);
    });

  stack
    .command("down")
    .description("stop the services (their data stays under .stack/)")
    .argument("[services...]", "only these services")
    .action(async (names: string[]) => {
      await stackDown(say, names.length > 0 ? names : undefined);
    });

  stack
    .command("status")
    .description("each service's state and endpoint; exits 1 unless all are healthy")
    .action(async () => {
      const rows = await stackStatus();
      console.table(
        rows.map((r) => ({
          service: r.name,
          state: r.state,
          pid: r.pid ?? "",
          endpoint: r.endpoint,
        })),
      );
      if (rows.some((r) => r.state !== "healthy")) process.exitCode = 1;
    });
}

export function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}
