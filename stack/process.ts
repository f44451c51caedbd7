import { type SpawnOptions, spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { StackError } from "./errors.ts";

export interface DetachedSpec {
  command: string;
  args: string[];
  logFile: string;
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a long-running service that outlives this process; its output goes to its log file. */
export function spawnDetached(spec: DetachedSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  appendFileSync(
    spec.logFile,
    `\n--- vobe: starting ${spec.command} at ${new Date().toISOString()}\n`,
  );
  const out = openSync(spec.logFile, "a");
  const options: SpawnOptions = {
    detached: true,
    stdio: ["ignore", out, out],
    env: spec.env ?? process.env,
  };
  if (spec.cwd) options.cwd = spec.cwd;
  const child = spawn(spec.command, spec.args, options);
  closeSync(out);
  if (child.pid === undefined) {
    throw new StackError(`could not start ${spec.command}`, `see ${spec.logFile}`);
  }
  child.unref();
  writeFileSync(spec.pidFile, String(child.pid));
  return child.pid;
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A polite signal, then SIGKILL after the grace period; the process group goes with it. */
export async function stopProcess(
  pidFile: string,
  options: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<boolean> {
  const graceMs = options.graceMs ?? 30_000;
  const pid = readPid(pidFile);
  if (pid === undefined || !isAlive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  signal(pid, options.signal ?? "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) {
    signal(pid, "SIGKILL");
    while (isAlive(pid)) await sleep(100);
  }
  rmSync(pidFile, { force: true });
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  }
}

export function portInUse(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = createServer();
    server.once("error", () => resolvePromise(true));
    server.once("listening", () => server.close(() => resolvePromise(false)));
    server.listen(port, host);
  });
}

export async function tail(file: string, lines = 30): Promise<string> {
  if (!existsSync(file)) return "(no log yet)";
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .slice(-lines - 1)
    .join("\n");
}

export interface WaitOptions {
  service: string;
  timeoutMs: number;
  logFile: string;
  /** Stops waiting early when the process is gone. */
  pidFile?: string;
}

/** Polls `check` until it returns true; on time-out or process death, fails with the log's tail. */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (options.pidFile) {
      const pid = readPid(options.pidFile);
      if (pid === undefined || !isAlive(pid)) {
        throw new StackError(
          `${options.service} exited while starting. Last lines of ${options.logFile}:\n${await tail(options.logFile)}`,
        );
      }
    }
    await sleep(250);
  }
  throw new StackError(
    `${options.service} did not become healthy within ${Math.round(options.timeoutMs / 1000)} s. Last lines of ${options.logFile}:\n${await tail(options.logFile)}`,
  );
}

/** Runs a short command to completion, capturing its output; throws with that output on failure. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // No stdin unless there is input: a child that exits at once (a fast `tar`, `mvn`)
      // would otherwise make our write of nothing fail with EPIPE.
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) =>
      reject(new StackError(`could not run ${command}: ${error.message}`)),
    );
    child.on("close", (code) => {
      if (code === 0) resolvePromise(output);
      else
        reject(
          new StackError(
            `${command} ${args.join(" ")} failed (exit ${code}):\n${output.slice(-4000)}`,
          ),
        );
    });
    if (options.input !== undefined) {
      child.stdin?.on("error", () => {
        // The child closed its stdin early; its exit code says whether that mattered.
      });
      child.stdin?.end(options.input);
    }
  });
}
