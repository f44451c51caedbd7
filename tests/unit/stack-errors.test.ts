import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackPaths } from "../../stack/config.ts";
import { StackError } from "../../stack/errors.ts";
import { ensureFreeDisk, findJava } from "../../stack/host.ts";
import { portInUse, spawnDetached, stopProcess } from "../../stack/process.ts";
import type { NativeService } from "../../stack/service.ts";
import { stackUp } from "../../stack/stack.ts";

/** A stand-in service (a shell command) to drive the orchestrator's failure paths. */
function fakeService(
  name: string,
  port: number,
  script: string,
  healthy = async () => false,
): NativeService {
  return {
    name,
    ports: [port],
    dependsOn: [],
    startupTimeoutMs: 2_000,
    stopSignal: "SIGTERM",
    endpoint: `127.0.0.1:${port}`,
    prepare: async () => {},
    start: async () => {
      spawnDetached({
        command: "sh",
        args: ["-c", script],
        logFile: stackPaths.log(name),
        pidFile: stackPaths.pid(name),
      });
    },
    healthy,
  };
}

describe("the native stack's errors say what is wrong and what to do", () => {
  let server: Server;
  let busyPort = 0;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    busyPort = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a port taken by another process", async () => {
    expect(await portInUse(busyPort)).toBe(true);
    const service = fakeService("fake-busy", busyPort, "sleep 30");
    await expect(stackUp(() => {}, [service])).rejects.toThrow(
      new RegExp(`fake-busy: port ${busyPort} is in use by a process this stack did not start`),
    );
  });

  it("a service that dies while starting: its log's last lines", async () => {
    const service = fakeService("fake-dies", 1, "echo 'FATAL: no such config file'; exit 3");
    const failure = await stackUp(() => {}, [service]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(StackError);
    expect((failure as Error).message).toMatch(/fake-dies exited while starting/);
    expect((failure as Error).message).toMatch(/FATAL: no such config file/);
  });

  it("a service that never becomes healthy: the time-out and its log", async () => {
    const service = fakeService("fake-hangs", 1, "echo 'still warming up'; sleep 30");
    try {
      const failure = await stackUp(() => {}, [service]).catch((e: unknown) => e);
      expect((failure as Error).message).toMatch(/fake-hangs did not become healthy within 2 s/);
      expect((failure as Error).message).toMatch(/still warming up/);
    } finally {
      await stopProcess(stackPaths.pid("fake-hangs"), { graceMs: 1000 });
    }
  });

  it("missing Java of the needed version", async () => {
    await expect(findJava(99)).rejects.toThrow(/Java 99 or newer is needed/);
  });

  it("not enough disk", () => {
    expect(() => ensureFreeDisk(tmpdir(), 2 ** 60)).toThrow(/not enough disk at .*GiB free/);
  });
});
