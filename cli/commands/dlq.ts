import type { Command } from "commander";

/** `vobe dlq list | show | replay | skip` (cli/dlq-commands.ts, ops/dlq/). */
export function registerDlqCommands(program: Command): void {
  const dlq = program
    .command("dlq")
    .description("dead letters of the views and streams applications: list, show, replay, skip");
  const prefixed = (c: Command) =>
    c.option("--prefix <prefix>", "a prefixed catalog (tests, a second platform on one stack)", "");

  prefixed(dlq.command("list"))
    .description(
      "every dead-letter topic's letters grouped by error: how many, pending, replayed, skipped",
    )
    .option("--json", "print JSON")
    .action(async (options: { prefix: string; json?: boolean }) => {
      const { listLetters } = await import("../dlq-commands.ts");
      await listLetters(options);
    });

  prefixed(dlq.command("show <id>"))
    .description(
      "one dead letter whole: why, from where, its headers and original bytes (<topic>:<partition>:<offset>)",
    )
    .option("--json", "print JSON")
    .action(async (id: string, options: { prefix: string; json?: boolean }) => {
      const { showLetter } = await import("../dlq-commands.ts");
      await showLetter(id, options);
    });

  const resolving = (c: Command) =>
    prefixed(c)
      .option("--id <ids...>", "these letters (<topic>:<partition>:<offset>)")
      .option("--error <text>", "the letters whose error contains this text")
      .option("--all", "every letter of the topic")
      .option("--reason <why>", "why (required; written to the audit trail)")
      .option("--dry-run", "say what would happen, write nothing")
      .option("--json", "print JSON");

  resolving(dlq.command("replay <dlq-topic>"))
    .description(
      "write letters back to the topic they came from, once each (a letter replayed before is left alone)",
    )
    .option("--rate <n>", "at most n letters per second")
    .action(async (topic: string, options: import("../dlq-commands.ts").ResolveCommandOptions) => {
      const { resolveCommand } = await import("../dlq-commands.ts");
      await resolveCommand("dlq.replay", topic, options);
    });

  resolving(dlq.command("skip <dlq-topic>"))
    .description("mark letters as dealt with, without replaying them; the reason is kept")
    .action(async (topic: string, options: import("../dlq-commands.ts").ResolveCommandOptions) => {
      const { resolveCommand } = await import("../dlq-commands.ts");
      await resolveCommand("dlq.skip", topic, options);
    });
}
