/**
 * Samples lag once (or twice, for a trend) or on an interval until stopped, and hands
 * each report to the caller to print.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher } from "../../platform/kafka/index.ts";
import { type AgedLag, ageLag } from "./age.ts";
import { type Consumer, consumerKey, sampleLag, totalsOf } from "./positions.ts";
import { keepWindow, type LagSample, type LagTrend, trendOf } from "./trend.ts";

export interface LagRun {
  sampleMs: number;
  watch: boolean;
  intervalMs: number;
  windowMs: number;
  print(report: {
    at: number;
    rows: Array<{ lag: AgedLag; trend: LagTrend | null; samples: readonly LagSample[] }>;
  }): void;
  /** Stops a watch (Ctrl-C does it at the terminal). */
  signal?: AbortSignal;
}

export async function runLag(
  endpoints: Endpoints,
  consumers: readonly Consumer[],
  run: LagRun,
): Promise<void> {
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-lag" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-lag" });
  const history = new Map<string, LagSample[]>();
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  run.signal?.addEventListener("abort", onSigint);
  if (run.watch) process.once("SIGINT", onSigint);

  const sample = async () => {
    const at = Date.now();
    const lags = await ageLag(fetcher, await sampleLag(admin, consumers), at);
    const rows = lags.map((lag) => {
      const key = consumerKey(lag.consumer);
      const samples = keepWindow([...(history.get(key) ?? []), totalsOf(lag, at)], run.windowMs);
      history.set(key, samples);
      return { lag, trend: trendOf(samples), samples };
    });
    return { at, rows };
  };

  try {
    if (!run.watch) {
      if (run.sampleMs > 0) {
        await sample();
        await sleep(run.sampleMs);
      }
      run.print(await sample());
      return;
    }
    while (!stop.signal.aborted) {
      run.print(await sample());
      await sleep(run.intervalMs, undefined, { signal: stop.signal }).catch(() => {});
    }
  } finally {
    process.off("SIGINT", onSigint);
    await Promise.all([admin.close(), fetcher.close()]);
  }
}
