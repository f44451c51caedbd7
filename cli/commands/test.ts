import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
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
      const cli = ["--import", "tsx", "cli/main.ts"];
      const browserFiles = readdirSync(join(stackConfig.projectRoot, "tests", "browser"))
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => `tests/browser/${f}`);
      const browsing =
        filters.length === 0 || browserFiles.some((f) => filters.some((q) => f.includes(q)));
      let failed = false;
      for (const [title, command, args] of steps) {
        if (command === "vitest" && args.includes("browser")) {
          if (!browsing) continue;
          await findChromium();
          // The journeys run against the platform a user gets from ./vobe start (the demo
          // catalog, the gateway serving the app): started here if it is not running, so that
          // one command on a fresh clone passes. Idempotent: what runs is left as it is.
          const started = await step(
            "start the platform for the browser tests (./vobe start)",
            process.execPath,
            [...cli, "start"],
          );
          if (started !== 0) {
            say(`\n✗ the platform did not start (exit ${started})`);
            process.exitCode = started;
            failed = true;
            break;
          }
        }
        const code = await step(title, command, args);
        if (code !== 0) {
          say(`\n✗ ${title} failed (exit ${code})`);
          process.exitCode = code;
          failed = true;
          break;
        }
      }
      // CI leaves nothing running behind it; a developer keeps the platform for the next run.
      if (process.env.CI && browsing)
        await step("stop the platform (CI)", process.execPath, [...cli, "stop"]);
      if (failed) return;
    });
}
