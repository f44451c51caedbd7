/**
 * `vobe serve processors` without the CLI: every app in its own worker thread, /health
 * and /metrics on the main thread, and a stop on SIGTERM/SIGINT that ends the process
 * within a stated bound whatever the apps are doing (docs/adr/017-processor-isolation.md):
 *
 *   0 s   signal: every app is asked to commit what it processed and leave its group
 *   10 s  apps still running are terminated (a blocked loop cannot commit anyway;
 *         exactly-once makes the unfinished work count zero times, and it is redone)
 *   12 s  terminate() has returned (it interrupts JavaScript; this bounds native code)
 *   14 s  the process exits whatever is left (below `vobe stop`'s 15 s before SIGKILL)
 */

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import type { LagExporter } from "../../ops/lag/exporter.ts";
import { startTracing, stopTracing } from "../../platform/telemetry/tracing.ts";
import { startHealthServer } from "./health-server.ts";
import {
  defaultStopGraceMs,
  type RunningProcessors,
  type StartOptions,
  startProcessors,
} from "./index.ts";
import { startAppLag } from "./lag.ts";
import { type Logger, processorsLogger } from "./log.ts";

/** After a signal, the process exits within this, whatever its apps do. */
export const exitBoundMs = 14_000;

export interface ServeOptions extends StartOptions {
  /** 0: any free port (tests). */
  port: number;
  host?: string;
  stopGraceMs?: number;
}

export interface ServedProcessors {
  readonly running: RunningProcessors;
  readonly server: Server;
  readonly port: number;
  /** Stops the apps (bounded by stopGraceMs), then the HTTP server. */
  stop(): Promise<void>;
}

export async function serveProcessors(options: ServeOptions): Promise<ServedProcessors> {
  const log = options.log ?? processorsLogger();
  const running = await startProcessors({ ...options, log, isolation: "worker" });
  let server: Server;
  let lag: LagExporter | undefined;
  try {
    const lagRegistry = new Registry();
    lag = await startAppLag(running.supervised, options, lagRegistry);
    server = await startHealthServer(
      running.supervised,
      options.port,
      options.host,
      log,
      lagRegistry,
    );
  } catch (error) {
    await lag?.stop();
    await running.stop({ graceMs: options.stopGraceMs ?? defaultStopGraceMs });
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  log.info(
    { applications: running.supervised.map((a) => a.applicationId), port },
    `processors starting, each in its own thread: ${running.supervised.map((a) => a.applicationId).join(", ")} (metrics and health on :${port})`,
  );
  let stopped: Promise<void> | undefined;
  return {
    running,
    server,
    port,
    stop() {
      stopped ??= (async () => {
        await lag?.stop();
        const outcomes = await running.stop({ graceMs: options.stopGraceMs ?? defaultStopGraceMs });
        log.info({ outcomes }, "processors stopped");
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return stopped;
    },
  };
}

/**
 * Serves until SIGINT/SIGTERM, then stops within exitBoundMs. Resolves with the exit code;
 * the caller exits with it (worker threads and sockets could otherwise keep it alive).
 */
export async function runProcessors(options: ServeOptions): Promise<number> {
  const log: Logger = options.log ?? processorsLogger();
  // The apps that run on this thread (not in workers) trace through this exporter.
  startTracing("vobe-processors");
  const served = await serveProcessors({ ...options, log });
  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      // Once: a repeated signal (some supervisors send it to the whole process group as
      // well as to the process) must not cut the orderly stop short.
      if (signalled) return;
      signalled = true;
      log.info(`${signal}: stopping the processors (committing what is processed)`);
      const deadline = setTimeout(() => {
        log.error(`the processors did not stop within ${exitBoundMs} ms: exiting`);
        process.exit(1);
      }, exitBoundMs);
      deadline.unref();
      served.stop().then(
        () => void stopTracing().finally(() => resolve(0)),
        (error: unknown) => {
          log.error({ err: error }, "stopping failed");
          resolve(1);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
