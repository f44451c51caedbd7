/**
 * Runs the music topologies (processors/topologies/) against Kafka: one StreamsApp per
 * topology (app.ts), each either in its own worker thread (`isolation: "worker"`, what
 * `vobe serve processors` runs) or on the caller's thread (`"inline"`, the default, for
 * tests that query stores directly). docs/adr/017-processor-isolation.md says why.
 *
 *   const running = await startProcessors({ brokers, schemaRegistryUrl, only: ["plays-per-track"] });
 *   running.apps[0]?.app.keyValueStore<string, number>("track-play-counts").get(trackId);
 *   await running.stop();
 */
import {
  applicationIdOf,
  createProcessorApp,
  loadTopologies,
  type ProcessorApp,
  type ProcessorAppOptions,
} from "./app.ts";
import { type AppHealth, type HealthBounds, isHealthy } from "./health.ts";
import { type Logger, silentLogger } from "./log.ts";
import { InlineApp, type StopOutcome, type SupervisedApp } from "./supervised.ts";
import { WorkerApp } from "./worker-app.ts";

export type { AppHealth, StopOutcome, SupervisedApp };
export { applicationIdOf, createProcessorApp, type ProcessorApp, type ProcessorAppOptions };

/** How long a stop waits for an app to commit and leave before ending it. */
export const defaultStopGraceMs = 10_000;
const WATCH_MS = 1_000;

export interface StartOptions extends ProcessorAppOptions {
  /** Default: every topology of the module. */
  only?: readonly string[];
  log?: Logger;
  bounds?: HealthBounds;
}

export interface RunningProcessors {
  readonly supervised: readonly SupervisedApp[];
  /** Every app's health now, and whether all of them serve. */
  health(): { ok: boolean; apps: AppHealth[] };
  /**
   * Stops every app at once: each commits what it processed and leaves its group; one
   * that has not stopped after `graceMs` is ended (worker) or left behind (inline).
   */
  stop(options?: { graceMs?: number }): Promise<Record<string, StopOutcome>>;
}

export interface InlineProcessors extends RunningProcessors {
  readonly apps: readonly ProcessorApp[];
}

/**
 * Inline: resolves once every app has started (so callers can query their stores).
 * Worker: resolves once every thread is spawned; /health tells when they run, and one
 * app that cannot start does not hold the others back.
 */
export function startProcessors(
  options: StartOptions & { isolation?: "inline" },
): Promise<InlineProcessors>;
export function startProcessors(
  options: StartOptions & { isolation: "worker" },
): Promise<RunningProcessors>;
export async function startProcessors(
  options: StartOptions & { isolation?: "inline" | "worker" },
): Promise<RunningProcessors | InlineProcessors> {
  const log = options.log ?? silentLogger;
  const known = Object.keys(await loadTopologies(options.topologyModule));
  const names = options.only && options.only.length > 0 ? options.only : known;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new Error(`unknown topology: ${unknown.join(", ")}; known: ${known.join(", ")}`);
  }
  if (options.isolation === "worker") {
    if (options.registry)
      throw new Error("a worker cannot share a registry object: give schemaRegistryUrl");
    const {
      log: _log,
      only: _only,
      bounds: _bounds,
      isolation: _isolation,
      ...appOptions
    } = options;
    const apps = names.map(
      (name) =>
        new WorkerApp(
          name,
          applicationIdOf(name, options.prefix),
          { name, options: appOptions },
          log,
          options.bounds,
        ),
    );
    return supervise(apps, log);
  }
  const processors: ProcessorApp[] = [];
  const apps: InlineApp[] = [];
  try {
    for (const name of names) {
      const processor = await createProcessorApp(name, options);
      processors.push(processor);
      apps.push(new InlineApp(processor, log, options.bounds));
    }
    await Promise.all(processors.map((p) => p.app.start()));
  } catch (error) {
    await Promise.all(apps.map((a) => a.stop(defaultStopGraceMs)));
    throw error;
  }
  return { ...supervise(apps, log), apps: processors };
}

/** The watch: a heartbeat a second to every app, and a log line when one gets stuck or recovers. */
function supervise(apps: readonly SupervisedApp[], log: Logger): RunningProcessors {
  const stuck = new Map<string, string>();
  const watch = setInterval(() => {
    const now = Date.now();
    for (const app of apps) {
      app.tick();
      const health = app.health(now);
      const was = stuck.get(app.applicationId);
      if (health.state === "stuck" && was === undefined) {
        stuck.set(app.applicationId, health.reason ?? "");
        log.warn(
          {
            application: app.applicationId,
            state: "stuck",
            reason: health.reason,
            lagRecords: health.lagRecords,
          },
          `${app.applicationId}: stuck: ${health.reason}`,
        );
      } else if (health.state !== "stuck" && was !== undefined) {
        stuck.delete(app.applicationId);
        log.info(
          { application: app.applicationId, state: health.state },
          `${app.applicationId}: no longer stuck (${health.state})`,
        );
      }
    }
  }, WATCH_MS);
  watch.unref();
  for (const app of apps) app.tick();
  let stopped: Promise<Record<string, StopOutcome>> | undefined;
  return {
    supervised: apps,
    health() {
      const now = Date.now();
      const states = apps.map((app) => app.health(now));
      return { ok: states.every(isHealthy), apps: states };
    },
    stop(options = {}) {
      stopped ??= (async () => {
        clearInterval(watch);
        const graceMs = options.graceMs ?? defaultStopGraceMs;
        const outcomes = await Promise.all(apps.map((app) => app.stop(graceMs)));
        return Object.fromEntries(
          apps.map((app, i) => [app.applicationId, outcomes[i] as StopOutcome]),
        );
      })();
      return stopped;
    },
  };
}
