import { Command } from "commander";
import { StackError } from "../stack/errors.ts";
import { stackDown, stackStatus, stackUp } from "../stack/stack.ts";

const program = new Command()
  .name("vobe")
  .description("VobeMusic: run the platform, its native stack and its tests");

const say = (line: string) => console.log(line);

const stack = program
  .command("stack")
  .description("the native services: Kafka, registry, Postgres, search");

stack
  .command("up")
  .description("start every service (idempotent) and wait until healthy")
  .action(async () => {
    const began = Date.now();
    const started = await stackUp(say);
    say(
      `stack healthy in ${((Date.now() - began) / 1000).toFixed(1)} s (started: ${started.join(", ") || "none"})`,
    );
  });

stack
  .command("down")
  .description("stop every service (data is kept under .stack/)")
  .argument("[services...]", "only these services")
  .action(async (names: string[]) => {
    await stackDown(say, names.length > 0 ? names : undefined);
  });

stack
  .command("status")
  .description("show each service's state and endpoint")
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

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof StackError) {
    console.error(`vobe: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
