import { describe, expect, it } from "vitest";
import type { ProbeStatus } from "../../processors/apps/app-probe.ts";
import { assess, defaultHealthBounds, isHealthy } from "../../processors/apps/health.ts";

const now = 1_000_000;
const running: ProbeStatus = {
  state: "running",
  lagRecords: 0,
  processedRecords: 10,
  heapUsedBytes: 1,
  runningSince: now - 120_000,
  lastCommitAt: now - 60_000,
};
const seen = (status: ProbeStatus, answeredAgoMs = 500) => ({
  application: "vobe-x",
  status,
  answeredAt: now - answeredAgoMs,
  since: now - 300_000,
  restarts: 0,
});
const { heartbeatTimeoutMs, commitStallMs } = defaultHealthBounds;

describe("an application's health", () => {
  it("is starting until its thread first answers", () => {
    const h = assess({ application: "vobe-x", since: now - 60_000, restarts: 0 }, now);
    expect(h.state).toBe("starting");
    expect(isHealthy(h)).toBe(false);
  });

  it("is running while it answers, whether or not it committed lately, when it has no lag", () => {
    const h = assess(seen(running), now);
    expect(h.state).toBe("running");
    expect(isHealthy(h)).toBe(true);
    expect(h.lastCommitAt).toBe(new Date(now - 60_000).toISOString());
  });

  it("is stuck when its thread has not answered a heartbeat within the bound, whatever it said last", () => {
    expect(assess(seen(running, heartbeatTimeoutMs), now).state).toBe("running");
    const h = assess(seen(running, heartbeatTimeoutMs + 1), now);
    expect(h.state).toBe("stuck");
    expect(h.reason).toMatch(/not answered for 5 s \(last seen running\)/);
    expect(assess(seen({ ...running, state: "restoring" }, 10_000), now).state).toBe("stuck");
  });

  it("is stuck when it has lag and has not committed within the bound", () => {
    const behind = { ...running, lagRecords: 42, lastCommitAt: now - commitStallMs };
    expect(assess(seen(behind), now).state).toBe("running");
    const h = assess(seen({ ...behind, lastCommitAt: now - commitStallMs - 1 }), now);
    expect(h.state).toBe("stuck");
    expect(h.reason).toMatch(/^42 records behind and no commit for 30 s/);
  });

  it("counts a lagging app that never committed from when it began running", () => {
    const fresh = { ...running, lagRecords: 5, runningSince: now - 1_000 };
    delete fresh.lastCommitAt;
    expect(assess(seen(fresh), now).state).toBe("running");
    expect(assess(seen({ ...fresh, runningSince: now - commitStallMs - 1 }), now).state).toBe(
      "stuck",
    );
  });

  it("reports a failed or ended thread as error with its reason, and a stopped app as stopped", () => {
    const ended = { application: "vobe-x", since: now, restarts: 2, exited: "no schema" };
    expect(assess(ended, now)).toMatchObject({ state: "error", reason: "no schema", restarts: 2 });
    // A stopped app does not answer heartbeats any more; that is not being stuck.
    expect(assess(seen({ ...running, state: "stopped" }, 60_000), now).state).toBe("stopped");
  });

  it("counts rebalancing as serving, restoring as not yet", () => {
    expect(isHealthy(assess(seen({ ...running, state: "rebalancing" }), now))).toBe(true);
    expect(isHealthy(assess(seen({ ...running, state: "restoring" }), now))).toBe(false);
  });
});
