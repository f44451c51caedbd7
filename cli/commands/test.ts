import { spawn } from "node:child_process";
import type { Command } from "commander";
import { stackConfig } from "../../stack/config.ts";
import { say } from "../output.ts";

/** Runs one step with inherited output; resolves with its exit code. */
function step(title: string, command: string, args: string[]): Promise<number> {
  say(`\n▶ ${title}`);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: stackConfig.projectRoot, stdio: "inherit" });
    child.on("close", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(1));
  });
}

export function registerTestCommand(program: Command): void {
  program
    .command("test")
    .description(
      "lint, type-check, then every unit and integration test against real services (started if needed)",
    )
    .argument("[filters...]", "only test files matching these (vitest filters)")
    .action(async (filters: string[]) => {
      // Unit tests first, alone: scheduled beside the integration tests' services and
      // processes on a small machine, CPU-bound unit tests ran past their time limits.
      const narrowed = filters.length > 0 ? ["--passWithNoTests", ...filters] : [];
      const steps: Array<[string, string, string[]]> = [
        ["lint and format (biome)", "biome", ["check", "."]],
        ["type-check (tsc)", "tsc", ["--noEmit"]],
        ["unit tests (vitest)", "vitest", ["run", "--project", "unit", ...narrowed]],
        [
          "integration tests (vitest, real services)",
          "vitest",
          ["run", "--project", "integration", ...narrowed],
        ],
      ];
      for (const [title, command, args] of steps) {
        const code = await step(title, command, args);
        if (code !== 0) {
          say(`\n✗ ${title} failed (exit ${code})`);
          process.exitCode = code;
          return;
        }
      }
    });
}
