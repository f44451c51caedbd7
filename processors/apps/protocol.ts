/** The messages between the supervisor (main thread) and an application's worker. */

import type { ProcessorAppOptions } from "./app.ts";
import type { MetricsJson, ProbeState, ProbeStatus } from "./app-probe.ts";

/** workerData: everything must be structured-cloneable (no registry object). */
export interface WorkerInput {
  name: string;
  options: Omit<ProcessorAppOptions, "registry">;
  /**
   * The stack homes the main thread's clients find broker credentials in besides their own
   * (platform/config/kafka-credentials.ts addStackHome; a test's private stack): a thread
   * has its own module state, so they are handed over.
   */
  stackHomes?: string[];
}

export type ToWorker =
  | { type: "status"; id: number }
  | { type: "metrics"; id: number }
  /** Commit what is processed, leave the group, end the thread. */
  | { type: "stop" };

export type FromWorker =
  | { type: "status"; id: number; status: ProbeStatus }
  | { type: "metrics"; id: number; metrics: MetricsJson }
  | { type: "state"; state: ProbeState; error?: string }
  | { type: "restore"; task: string; store: string; restored: number; total: number; done: boolean }
  /** The app could not be built or started; the thread ends after this. */
  | { type: "failed"; error: string };
