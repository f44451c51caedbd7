/**
 * The Python environment of the analysts' quickstart (docs/analysts/): a venv under the
 * stack's home with the pinned packages of docs/analysts/requirements.txt from PyPI, made
 * or updated when the requirements change (a stamp holds their hash).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { stackConfig } from "../../stack/config.ts";

const run = promisify(execFile);
export const requirementsFile = resolve(
  import.meta.dirname,
  "../../docs/analysts/requirements.txt",
);

export async function analystsPython(): Promise<string> {
  const venv = join(stackConfig.home, "python-venv");
  const python = join(venv, "bin", "python");
  const stamp = join(venv, ".requirements-sha256");
  const want = createHash("sha256").update(readFileSync(requirementsFile)).digest("hex");
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, "utf8") === want)
    return python;
  if (!existsSync(python)) await run("python3", ["-m", "venv", venv]);
  await run(
    python,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirementsFile],
    {
      timeout: 600_000,
    },
  );
  writeFileSync(stamp, want);
  return python;
}
