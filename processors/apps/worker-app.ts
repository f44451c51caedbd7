/**
 * The main thread's side of one application running in a worker thread (worker.ts):
 * heartbeats, scrapes with a deadline, state changes logged under the app's name, a
 * bounded stop, and a fresh thread after a failure (with a growing back-off).
 */
import { Worker } from "node:worker_threads";
import { extraStackHomes } from "../../platform/config/kafka-credentials.ts";
import type { MetricsJson } from "./app-probe.ts";
import { type AppHealth, type AppObservation, assess, type HealthBounds } from "./health.ts";
import type { Logger } from "./log.ts";
import type { FromWorker, ToWorker, WorkerInput } from "./protocol.ts";
import type { StopOutcome, SupervisedApp } from "./supervised.ts";

const entry = new URL("./worker.ts", import.meta.url);
/** A scrape waits this long for a worker, then serves the worker's last metrics. */
const METRICS_TIMEOUT_MS = 2_000;
/** terminate() interrupts running JavaScript; this bounds a wait on native code. */
const TERMINATE_TIMEOUT_MS = 2_000;
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 60_000;
/** A thread that ran this long before failing restarts without the accumulated back-off. */
const STABLE_MS = 60_000;

/**
 * The worker runs TypeScript like the main thread: through tsx. Under `node --import
 * tsx` the flag is inherited with execArgv; under a test runner that transforms files
 * its own way, it is added.
 */
function workerExecArgv(): string[] {
  const argv = [...process.execArgv];
  const hasTsx =
    argv.some(
      (a, i) => a === "tsx" && (argv[i - 1] === "--import" || argv[i - 1] === "--loader"),
    ) || argv.some((a) => a.startsWith("--import=tsx"));
  return hasTsx ? argv : [...argv, "--import", "tsx"];
}

export class WorkerApp implements SupervisedApp {
  readonly applicationId: string;
  private worker: Worker | undefined;
  private observation: AppObservation;
  private readonly log: Logger;
  private readonly waiting = new Map<number, (message: FromWorker) => void>();
  private nextId = 1;
  private heartbeatOut = false;
  private lastMetrics: MetricsJson = [];
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private exited: Promise<number> = Promise.resolve(0);
  /** What the thread said about its failure before it ended. */
  private failure: string | undefined;

  constructor(
    readonly name: string,
    applicationId: string,
    private readonly input: WorkerInput,
    log: Logger,
    private readonly bounds?: HealthBounds,
  ) {
    this.applicationId = applicationId;
    this.log = log.child({ application: applicationId });
    this.observation = { application: applicationId, since: Date.now(), restarts: 0 };
    this.spawn();
  }

  private spawn(): void {
    const worker = new Worker(entry, {
      // The homes as they are now: a thread started again sees a stack added since.
      workerData: { ...this.input, stackHomes: extraStackHomes() } satisfies WorkerInput,
      execArgv: workerExecArgv(),
      name: this.applicationId,
    });
    this.worker = worker;
    this.heartbeatOut = false;
    this.failure = undefined;
    const restarts = this.observation.restarts;
    this.observation = { application: this.applicationId, since: Date.now(), restarts };
    let reason: string | undefined;
    worker.on("message", (message: FromWorker) => this.receive(message));
    worker.on("error", (error) => {
      reason = error.message;
      this.log.error({ err: error }, `${this.applicationId}: its thread failed`);
    });
    worker.on("messageerror", (error) => {
      this.log.warn({ err: error }, `${this.applicationId}: an unreadable message`);
    });
    this.exited = new Promise((resolve) => {
      worker.once("exit", (code) => {
        for (const answer of this.waiting.values()) answer({ type: "failed", error: "exited" });
        this.waiting.clear();
        if (this.worker === worker) this.worker = undefined;
        resolve(code);
        if (this.stopping) return;
        const why =
          reason ?? this.failure ?? this.observation.status?.error ?? `its thread exited (${code})`;
        this.observation.exited = why;
        this.scheduleRestart(why);
      });
    });
  }

  private scheduleRestart(why: string): void {
    const ranMs = Date.now() - this.observation.since;
    this.failures = ranMs > STABLE_MS ? 1 : this.failures + 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (this.failures - 1));
    this.log.error(
      { reason: why, restartInMs: delay },
      `${this.applicationId}: stopped on an error; a new thread in ${delay} ms`,
    );
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.observation.restarts += 1;
      this.spawn();
    }, delay);
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "status":
        this.heartbeatOut = false;
        this.observation.status = message.status;
        this.observation.answeredAt = Date.now();
        break;
      case "state":
        if (message.error) {
          this.failure = message.error;
          this.log.error(
            { state: message.state, reason: message.error },
            `${this.applicationId}: ${message.state}`,
          );
        } else {
          this.log.info({ state: message.state }, `${this.applicationId}: ${message.state}`);
        }
        break;
      case "restore":
        this.log.info(
          {
            task: message.task,
            store: message.store,
            restored: message.restored,
            total: message.total,
          },
          message.done
            ? `${this.applicationId}: restored ${message.task}/${message.store}`
            : `${this.applicationId}: restoring ${message.task}/${message.store}`,
        );
        break;
      case "failed":
        this.failure = message.error;
        this.log.error({ reason: message.error }, `${this.applicationId}: did not start`);
        break;
    }
    if ("id" in message) {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    }
  }

  private send(message: ToWorker): void {
    try {
      this.worker?.postMessage(message);
    } catch (error) {
      this.log.warn({ err: error }, `${this.applicationId}: cannot reach its thread`);
    }
  }

  tick(): void {
    // One heartbeat at a time: a blocked thread would otherwise find a pile of them.
    if (!this.worker || this.stopping || this.heartbeatOut) return;
    this.heartbeatOut = true;
    this.send({ type: "status", id: this.nextId++ });
  }

  health(now = Date.now()): AppHealth {
    return assess(this.observation, now, this.bounds);
  }

  async metrics(): Promise<MetricsJson> {
    if (!this.worker) return this.lastMetrics;
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    const answer = await new Promise<FromWorker | undefined>((resolve) => {
      this.waiting.set(id, resolve);
      timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, METRICS_TIMEOUT_MS);
      this.send({ type: "metrics", id });
    });
    clearTimeout(timer);
    // A busy or gone thread: its last metrics, which are still its latest known figures.
    if (answer?.type === "metrics") this.lastMetrics = answer.metrics;
    return this.lastMetrics;
  }

  async stop(graceMs: number): Promise<StopOutcome> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return "stopped";
    this.send({ type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      this.exited.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (inTime) return "stopped";
    this.log.warn(
      `${this.applicationId}: did not stop within ${graceMs} ms; terminating its thread`,
    );
    await Promise.race([
      worker.terminate().catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, TERMINATE_TIMEOUT_MS).unref()),
    ]);
    return "terminated";
  }
}
