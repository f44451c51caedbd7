/**
 * An application as its supervisor sees it, wherever it runs: its health from what was
 * last heard, its metrics, and a stop that ends within a bound. InlineApp runs on the
 * caller's thread (tests that query stores); WorkerApp (worker-app.ts) in its own thread.
 */

import type { ProcessorApp } from "./app.ts";
import { type AppProbe, type MetricsJson, probeApp } from "./app-probe.ts";
import { type AppHealth, type AppObservation, assess, type HealthBounds } from "./health.ts";
import type { Logger } from "./log.ts";

export type StopOutcome = "stopped" | "terminated" | "abandoned";

export interface SupervisedApp {
  readonly name: string;
  readonly applicationId: string;
  /** Asks for news (a heartbeat); called by the supervisor's watch every second. */
  tick(): void;
  /** Its health now, from what was last heard: never waits. */
  health(now?: number): AppHealth;
  /** Its metrics, every series labelled with its application; bounded, never rejects. */
  metrics(): Promise<MetricsJson>;
  /**
   * Commits what is processed and leaves the group; after `graceMs`, ends it however it
   * is ("terminated"), or, on the caller's thread where nothing can end it, gives up
   * waiting ("abandoned").
   */
  stop(graceMs: number): Promise<StopOutcome>;
}

export class InlineApp implements SupervisedApp {
  readonly name: string;
  readonly applicationId: string;
  private readonly probe: AppProbe;
  private readonly observation: AppObservation;

  constructor(
    readonly processor: ProcessorApp,
    private readonly log: Logger,
    private readonly bounds?: HealthBounds,
  ) {
    this.name = processor.name;
    this.applicationId = processor.app.config.applicationId;
    this.probe = probeApp(processor.app);
    this.observation = { application: this.applicationId, since: Date.now(), restarts: 0 };
    const appLog = log.child({ application: this.applicationId });
    processor.app.onStateChange((state, error) => {
      if (error) appLog.error({ state, err: error }, `${this.applicationId}: ${state}`);
      else appLog.info({ state }, `${this.applicationId}: ${state}`);
    });
  }

  tick(): void {
    this.probe.status().then(
      (status) => {
        this.observation.status = status;
        this.observation.answeredAt = Date.now();
      },
      () => {},
    );
  }

  health(now = Date.now()): AppHealth {
    return assess(this.observation, now, this.bounds);
  }

  metrics(): Promise<MetricsJson> {
    return this.probe.metrics().catch(() => []);
  }

  async stop(graceMs: number): Promise<StopOutcome> {
    const stopped = this.processor.app.stop().then(
      () => "stopped" as const,
      (error: unknown) => {
        this.log.error({ application: this.applicationId, err: error }, "stop failed");
        return "stopped" as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      stopped,
      new Promise<"abandoned">((resolve) => {
        timer = setTimeout(() => resolve("abandoned"), graceMs);
      }),
    ]);
    clearTimeout(timer);
    this.probe.close();
    return outcome;
  }
}
