/**
 * Whether one application is healthy, from what the supervisor last heard of it: a pure
 * function of the observation and the clock, so the rules are tested without threads.
 * The bounds are explained in docs/adr/017-processor-isolation.md.
 */
import type { ProbeState, ProbeStatus } from "./app-probe.ts";

export interface HealthBounds {
  /** An app whose thread has not answered a heartbeat for this long is stuck. */
  heartbeatTimeoutMs: number;
  /** A running app with lag that has not committed for this long is stuck. */
  commitStallMs: number;
}

export const defaultHealthBounds: HealthBounds = {
  heartbeatTimeoutMs: 5_000,
  commitStallMs: 30_000,
};

export type AppHealthState = ProbeState | "stuck";

export interface AppObservation {
  application: string;
  /** The last status the app's thread answered, and when. */
  status?: ProbeStatus;
  answeredAt?: number;
  /** When the supervisor started this app (its current thread). */
  since: number;
  restarts: number;
  /** Why the app's thread ended, when it ended without being asked to. */
  exited?: string;
}

export interface AppHealth {
  application: string;
  state: AppHealthState;
  /** Why it is stuck or failed. */
  reason?: string;
  lagRecords?: number;
  processedRecords?: number;
  lastCommitAt?: string;
  heartbeatAgeMs?: number;
  heapUsedBytes?: number;
  restarts: number;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export function assess(
  o: AppObservation,
  now: number,
  bounds: HealthBounds = defaultHealthBounds,
): AppHealth {
  const base = { application: o.application, restarts: o.restarts };
  if (o.exited !== undefined) return { ...base, state: "error", reason: o.exited };
  const status = o.status;
  // Nothing heard yet: the thread is still loading its modules.
  if (!status || o.answeredAt === undefined) return { ...base, state: "starting" };
  const heartbeatAgeMs = now - o.answeredAt;
  const health: AppHealth = {
    ...base,
    state: status.state,
    lagRecords: status.lagRecords,
    processedRecords: status.processedRecords,
    heartbeatAgeMs,
    heapUsedBytes: status.heapUsedBytes,
    ...(status.lastCommitAt !== undefined
      ? { lastCommitAt: new Date(status.lastCommitAt).toISOString() }
      : {}),
    ...(status.error !== undefined ? { reason: status.error } : {}),
  };
  if (status.state === "stopped" || status.state === "error") return health;
  if (heartbeatAgeMs > bounds.heartbeatTimeoutMs) {
    return {
      ...health,
      state: "stuck",
      reason: `its thread has not answered for ${seconds(heartbeatAgeMs)} (last seen ${status.state})`,
    };
  }
  if (status.state === "running" && status.lagRecords > 0) {
    const since = Math.max(status.lastCommitAt ?? 0, status.runningSince ?? o.since);
    if (now - since > bounds.commitStallMs) {
      return {
        ...health,
        state: "stuck",
        reason: `${status.lagRecords} records behind and no commit for ${seconds(now - since)}`,
      };
    }
  }
  return health;
}

/** Serving: processing, or about to again after a rebalance. */
export function isHealthy(health: AppHealth): boolean {
  return health.state === "running" || health.state === "rebalancing";
}
