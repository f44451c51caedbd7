import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/** Runs a TypeScript file in a child Node (the project's pinned one) and waits for a line. */
export function spawnTs(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", resolve(root, file), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Resolves when the child prints `line`; fails at once if it exits first. The time-out is
 * for a child that hangs, not one that is slow: a child Node loading a service's modules
 * through tsx took over 30 s beside two fresh-clone runs (load average 46).
 * The callers' tests carry limits to match (3–5 minutes).
 */
export function waitForLine(child: ChildProcess, line: string, timeoutMs = 180_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`no "${line}" within ${timeoutMs} ms; stderr:\n${err}`)),
      timeoutMs,
    );
    child.stderr?.on("data", (chunk) => {
      err += chunk;
    });
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (out.split("\n").includes(line)) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before "${line}"; stderr:\n${err}`));
    });
  });
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    child.once("exit", () => resolvePromise());
    child.kill("SIGKILL");
  });
}
