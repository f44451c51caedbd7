import { spawn } from "node:child_process";
import type { Command } from "commander";
import { stackConfig } from "../../stack/config.ts";
import { findChromium } from "../../stack/host.ts";
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
      "lint, type-check, then every unit and integration test against real services (started if needed), then the web app's journeys in Chromium against the running platform",
    )
    .argument("[filters...]", "only test files matching these (vitest filters)")
    .action(async (filters: string[]) => {
      // Unit tests first, alone: scheduled beside the integration tests' services and
      // processes on a small machine, CPU-bound unit tests ran past their time limits.
      const narrowed = filters.length > 0 ? ["--passWithNoTests", ...filters] : [];
      const steps: Array<[string, string, string[]]> = [
        ["lint and format (biome)", "biome", ["check", "."]],
        ["type-check (tsc)", "tsc", ["--noEmit"]],
        [
          "type-check the web app (vue-tsc)",
          "node",
          ["ui/scripts/typecheck.cjs", "--noEmit", "-p", "ui"],
        ],
        [
          "unit tests (vitest)",
          "vitest",
          ["run", "--project", "unit", "--project", "ui", ...narrowed],
        ],
        [
          "integration tests (vitest, real services)",
          "vitest",
          ["run", "--project", "integration", ...narrowed],
        ],
        [
          "browser tests (vitest, Debian's Chromium against the running platform)",
          "vitest",
          ["run", "--project", "browser", ...narrowed],
        ],
      ];
      for (const [title, command, args] of steps) {
        if (command === "vitest" && args.includes("browser")) await findChromium();
        const code = await step(title, command, args);
        if (code !== 0) {
          say(`\n✗ ${title} failed (exit ${code})`);
          process.exitCode = code;
          return;
        }
      }
    });
}
