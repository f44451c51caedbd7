import { type SpawnOptions, spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
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
  /** How long the service may go without becoming healthy AND without making progress. */
  timeoutMs: number;
  logFile: string;
  /** Stops waiting early when the process is gone; its CPU time counts as progress. */
  pidFile?: string;
}

/** However much progress a start makes, it fails after this many times its `timeoutMs`. */
const progressCapFactor = 6;

/**
 * Polls `check` until it returns true; on time-out or process death, fails with the log's
 * tail. The time-out is for a start that is stuck, not one that is slow: while the service
 * writes to its log or burns CPU it is making progress, and the wait goes on (up to
 * `progressCapFactor` times the time-out). On a fresh clone beside other suites (load
 * average 40-70 on 2 cores) OpenSearch and the registry were healthy after 2-4 minutes
 * and failed a fixed 120 s, while logging and computing all along.
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  options: WaitOptions,
): Promise<void> {
  const began = Date.now();
  const cap = began + options.timeoutMs * progressCapFactor;
  let lastProgress = began;
  let seen = progressMark(options);
  while (Date.now() - lastProgress < options.timeoutMs && Date.now() < cap) {
    if (await check().catch(() => false)) return;
    if (options.pidFile) {
      const pid = readPid(options.pidFile);
      if (pid === undefined || !isAlive(pid)) {
        throw new StackError(
          `${options.service} exited while starting. Last lines of ${options.logFile}:\n${await tail(options.logFile)}`,
        );
      }
    }
    const now = progressMark(options);
    if (now.logBytes > seen.logBytes || now.cpuTicks >= seen.cpuTicks + cpuTicksOfProgress) {
      lastProgress = Date.now();
      seen = now;
    }
    await sleep(250);
  }
  const waited = Math.round((Date.now() - began) / 1000);
  throw new StackError(
    `${options.service} did not become healthy within ${waited} s (${Math.round(options.timeoutMs / 1000)} s without progress, or the cap). Last lines of ${options.logFile}:\n${await tail(options.logFile)}`,
  );
}

/** One CPU-second (Linux counts in 1/100 s): an idle or blocked process stays below it. */
const cpuTicksOfProgress = 100;

/** The log's size and the process's CPU time so far (0 where they cannot be read). */
function progressMark(options: WaitOptions): { logBytes: number; cpuTicks: number } {
  let logBytes = 0;
  try {
    logBytes = statSync(options.logFile).size;
  } catch {
    // No log yet.
  }
  let cpuTicks = 0;
  const pid = options.pidFile ? readPid(options.pidFile) : undefined;
  if (pid !== undefined) {
    try {
      // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      cpuTicks = Number(fields[11]) + Number(fields[12]);
    } catch {
      // Not Linux, or the process is gone (the loop notices).
    }
  }
  return { logBytes, cpuTicks };
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
