import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../stack/process.ts";

const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** A service stand-in: a shell loop with a pid file, writing to its log or not. */
function service(script: string) {
  const dir = mkdtempSync(join(tmpdir(), "vobe-wait-"));
  const logFile = join(dir, "service.log");
  writeFileSync(logFile, "");
  const child = spawn("sh", ["-c", script.replaceAll("LOG", logFile)], { stdio: "ignore" });
  children.push(child);
  const pidFile = join(dir, "service.pid");
  writeFileSync(pidFile, String(child.pid));
  return { logFile, pidFile, began: Date.now() };
}

describe("waiting for a native service to become healthy", () => {
  it("goes on past the time-out while the service keeps logging (slow, not stuck)", async () => {
    const s = service("while true; do echo starting >> LOG; sleep 0.3; done");
    // Healthy after 3 s, three times the time-out.
    await waitUntil(async () => Date.now() - s.began > 3_000, {
      service: "slow",
      timeoutMs: 1_000,
      logFile: s.logFile,
      pidFile: s.pidFile,
    });
  });

  it("gives up after the time-out when the service neither logs nor computes", async () => {
    const s = service("sleep 60");
    await expect(
      waitUntil(async () => false, {
        service: "stuck",
        timeoutMs: 1_000,
        logFile: s.logFile,
        pidFile: s.pidFile,
      }),
    ).rejects.toThrow(/stuck did not become healthy within [12] s/);
  });

  it("gives up at the cap however much the service logs", async () => {
    const s = service("while true; do echo starting >> LOG; sleep 0.1; done");
    const started = Date.now();
    await expect(
      waitUntil(async () => false, {
        service: "chatty",
        timeoutMs: 500,
        logFile: s.logFile,
        pidFile: s.pidFile,
      }),
    ).rejects.toThrow(/chatty did not become healthy/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
  });
});
