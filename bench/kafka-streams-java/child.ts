// One side's application as a child process: its JSON-line events, its CPU time, and a
// bounded stop. Both sides run this way, so the driver treats them the same.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

export interface Child {
  readonly pid: number;
  /** Resolves when the child prints {"event":"<name>"}; rejects if it exits or errors first. */
  event(name: string, timeoutMs: number): Promise<void>;
  /** A promise that rejects once the child fails (exits early or says "error"). */
  readonly failed: Promise<never>;
  /** User + system CPU seconds of the whole process (every thread) so far. */
  cpuSeconds(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with whether it said "stopped". */
  stop(graceMs: number): Promise<boolean>;
}

export function startChild(command: string, args: string[], label: string): Child {
  const child: ChildProcess = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${command}`);
  const pid = child.pid;
  const seen = new Set<string>();
  const waiters = new Map<string, Array<() => void>>();
  const stderr: string[] = [];
  let stopping = false;
  let exited = false;
  let rejectFailed: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    rejectFailed = reject;
  });
  failed.catch(() => {});
  const fail = (why: string) =>
    rejectFailed(new Error(`${label}: ${why}\n${stderr.slice(-40).join("\n")}`));

  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    let message: { event?: string; message?: string };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      stderr.push(line);
      return;
    }
    const name = message.event ?? "";
    if (name === "error") fail(`the app failed${message.message ? `: ${message.message}` : ""}`);
    seen.add(name);
    for (const wake of waiters.get(name) ?? []) wake();
    waiters.delete(name);
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > 200) stderr.shift();
  });
  const exit = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      exited = true;
      if (!stopping) fail(`exited early (code ${code}, signal ${signal})`);
      resolve();
    }),
  );

  return {
    pid,
    failed,
    event(name, timeoutMs) {
      if (seen.has(name)) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${label}: no "${name}" within ${timeoutMs / 1000} s`)),
            timeoutMs,
          );
          waiters.set(name, [
            ...(waiters.get(name) ?? []),
            () => {
              clearTimeout(timer);
              resolve();
            },
          ]);
        }),
        failed,
      ]);
    },
    cpuSeconds() {
      // /proc/<pid>/stat: fields after the ")" of the command name; utime and stime are
      // the 14th and 15th fields of the whole line (the 12th and 13th after it).
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    },
    async stop(graceMs) {
      if (exited) return seen.has("stopped");
      stopping = true;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(killer);
      return seen.has("stopped");
    },
  };
}
