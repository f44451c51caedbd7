import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface LogLine {
  msg?: string;
  level?: number;
  application?: string;
  state?: string;
  [key: string]: unknown;
}

/**
 * A processors process (the CLI or tests/support/processors-child.ts) in the project's
 * pinned Node with tsx: its log lines (pino JSON, parsed) and its exit, timed.
 */
export class ProcessorsProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout?.on("data", (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) {
        if (!part.trim()) continue;
        try {
          this.lines.push(JSON.parse(part) as LogLine);
        } catch {
          this.lines.push({ msg: part });
        }
      }
    });
    this.child.stderr?.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolveExit) => {
      this.child.once("exit", (code, signal) => resolveExit({ code, signal, at: Date.now() }));
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line that passes `match`, waiting up to `timeoutMs`. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (!this.alive) throw new Error(`the process exited; stderr:\n${this.stderr.join("")}`);
      if (Date.now() > deadline) {
        throw new Error(
          `no such log line within ${timeoutMs} ms; stderr:\n${this.stderr.join("")}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ends it for good (cleanup after a failed test). */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill("SIGKILL");
    await this.exited;
  }
}

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** GET with a deadline; a refused or timed-out request is status 0. */
export async function get(url: string, timeoutMs = 5_000): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return { status: response.status, body, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, body: String(error), ms: performance.now() - started };
  }
}
