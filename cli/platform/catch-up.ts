/**
 * Waits until every streams application and every live view version has read its topics to
 * the end, so that a person who opens the web app after `vobe start` sees the demo data
 * whole (counts, trending, search) rather than a platform still filling in.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { sampleLag } from "../../ops/lag/positions.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin } from "../../platform/kafka/index.ts";
import { platformConsumers } from "./consumers.ts";

export interface CatchUp {
  caughtUp: boolean;
  /** Records still unread by all consumers together when it stopped waiting. */
  behind: bigint;
}

export async function waitForCatchUp(
  endpoints: Endpoints,
  log: (line: string) => void,
  options: { timeoutMs?: number; pollMs?: number; reportEveryMs?: number } = {},
): Promise<CatchUp> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const pollMs = options.pollMs ?? 1_000;
  const reportEveryMs = options.reportEveryMs ?? 5_000;
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-start-catch-up" });
  const platform = await platformConsumers(endpoints, {});
  const began = Date.now();
  let nextReport = began + reportEveryMs;
  // A sink's topic is written by an application: both at the end in one sample, twice in a
  // row, so a record an application wrote between two reads is not missed.
  let quietSamples = 0;
  let behind = 0n;
  try {
    for (;;) {
      const lags = await sampleLag(admin, platform.consumers);
      behind = lags.reduce((sum, l) => sum + l.behind, 0n);
      quietSamples = behind === 0n ? quietSamples + 1 : 0;
      if (quietSamples >= 2) return { caughtUp: true, behind };
      const now = Date.now();
      if (now - began >= timeoutMs) return { caughtUp: false, behind };
      if (now >= nextReport) {
        nextReport = now + reportEveryMs;
        const slowest = lags
          .filter((l) => l.behind > 0n)
          .sort((a, b) => Number(b.behind - a.behind))
          .slice(0, 3)
          .map((l) => `${l.consumer.name} ${l.behind}`)
          .join(", ");
        log(`catching up: ${behind.toLocaleString("en-US")} records to read (${slowest})`);
      }
      await sleep(pollMs);
    }
  } finally {
    await platform.close();
    await admin.close();
  }
}
