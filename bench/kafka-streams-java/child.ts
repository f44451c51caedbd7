// One side's host process (CountPlays.java or ours.ts): commands on its stdin, JSON-line
// events from its stdout, its CPU time from /proc. Both sides run this way, so the driver
// treats them the same.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

export interface Host {
  send(line: string): void;
  /**
   * The next unconsumed {"event":"<name>"}, waiting for it if none is there yet; rejects
   * if the host says "error" or exits first, or after `timeoutMs`.
   */
  event(name: string, timeoutMs: number): Promise<void>;
  /** A promise that rejects once the host fails (says "error" or exits unasked). */
  readonly failed: Promise<never>;
  /** User + system CPU seconds of the whole process (every thread) so far. */
  cpuSeconds(): number;
  /** Closes stdin (the host stops its app and exits), SIGKILL after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export function startHost(command: string, args: string[], label: string): Host {
  const child: ChildProcess = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${command}`);
  const pid = child.pid;
  const unconsumed = new Map<string, number>();
  const waiters = new Map<string, Array<() => void>>();
  const stderr: string[] = [];
  let closing = false;
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
    const waiting = waiters.get(name);
    const wake = waiting?.shift();
    if (wake) wake();
    else unconsumed.set(name, (unconsumed.get(name) ?? 0) + 1);
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => {
    stderr.push(line);
    if (stderr.length > 200) stderr.shift();
  });
  const exit = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      exited = true;
      if (!closing) fail(`exited unasked (code ${code}, signal ${signal})`);
      resolve();
    }),
  );

  return {
    failed,
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
    event(name, timeoutMs) {
      const ready = unconsumed.get(name) ?? 0;
      if (ready > 0) {
        unconsumed.set(name, ready - 1);
        return Promise.resolve();
      }
      return Promise.race([
        new Promise<void>((resolve, reject) => {
          const wake = () => {
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            const list = waiters.get(name) ?? [];
            list.splice(list.indexOf(wake), 1);
            reject(new Error(`${label}: no "${name}" within ${timeoutMs / 1000} s`));
          }, timeoutMs);
          waiters.set(name, [...(waiters.get(name) ?? []), wake]);
        }),
        failed,
      ]);
    },
    cpuSeconds() {
      // /proc/<pid>/stat: utime and stime are the 14th and 15th fields, the 12th and 13th
      // after the ")" that ends the command name.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    },
    async close(graceMs) {
      if (exited) return;
      closing = true;
      child.stdin?.end();
      const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exit;
      clearTimeout(killer);
    },
  };
}
