/**
 * The listener simulator: TrackPlayed events (source "simulator") at a chosen rate, for
 * the demo's "trending" and listening statistics. Popularity is Zipf-like across tracks
 * (a few hits, a long tail) and listeners skip the way people do: many plays end in the
 * first 30 seconds, fewer half-way, most run to the end, and hits are skipped less.
 *
 * A play id is an idempotency key (the processors count each once): every run makes fresh
 * play ids, so a second run adds plays. `replay` makes the seed's own ids instead, so a
 * run repeats an earlier one with the same seed play for play, and counts nothing twice.
 */
import { randomUUID } from "node:crypto";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import {
  createEventProducer,
  type Envelope,
  type PendingEvent,
  systemActor,
} from "../../producers/index.ts";
import { TrackPlayed } from "../../schemas/generated/index.ts";
import type { DemoEndpoints } from "./load.ts";
import { prefixedType } from "./load.ts";
import { between, seededRandom, shuffled, unit, uuid, Zipf } from "./random.ts";

export type PlayPayload = Omit<TrackPlayed, keyof Envelope>;

export interface SimulatedTrack {
  trackId: string;
  durationMs: number;
}

export interface PlayModel {
  /** Exponent of the tracks' popularity (1: the top track gets ~1/ln(n) of the plays). */
  trackExponent?: number;
  /** Exponent of how unevenly listeners listen (heavy listeners and occasional ones). */
  listenerExponent?: number;
}

/**
 * A deterministic stream of plays: the same seed, tracks and listeners give the same
 * plays in the same order; their play ids are fresh ones unless `replay` (then the
 * seed's, the same on every run). The popularity ranking is a seeded shuffle of the
 * tracks, so hits are spread over artists and albums rather than being the first tracks
 * generated.
 */
export function createPlayGenerator(options: {
  seed: number;
  tracks: readonly SimulatedTrack[];
  userIds: readonly string[];
  model?: PlayModel;
  /** Use the seed's play ids, as every earlier run with this seed did (default: fresh ids). */
  replay?: boolean;
}): { next(): PlayPayload; readonly byPopularity: readonly SimulatedTrack[] } {
  if (options.tracks.length === 0) throw new Error("the simulator needs at least one track");
  if (options.userIds.length === 0) throw new Error("the simulator needs at least one listener");
  // Offset the seed so the plays do not replay the catalog generator's own sequence.
  const random = seededRandom(options.seed + 7_919);
  const byPopularity = shuffled(random, options.tracks);
  const listeners = shuffled(random, options.userIds);
  const trackZipf = new Zipf(byPopularity.length, options.model?.trackExponent ?? 1);
  const listenerZipf = new Zipf(listeners.length, options.model?.listenerExponent ?? 0.6);
  return {
    byPopularity,
    next() {
      const rank = trackZipf.rank(unit(random));
      const track = byPopularity[rank] as SimulatedTrack;
      const userId = listeners[listenerZipf.rank(unit(random))] as string;
      const duration = track.durationMs;
      // Hits are skipped less often than the tail: 15% early skips at the top, 35% at the end.
      const popularity = byPopularity.length > 1 ? rank / (byPopularity.length - 1) : 0;
      const r = unit(random);
      const earlySkip = 0.15 + 0.2 * popularity;
      const earlyEnd = Math.max(1, Math.min(30_000, duration - 1));
      let listenedMs: number;
      if (r < earlySkip) {
        listenedMs = between(random, Math.min(1_000, earlyEnd), earlyEnd);
      } else if (r < earlySkip + 0.15) {
        listenedMs = between(random, earlyEnd, Math.max(earlyEnd, Math.floor(duration * 0.95)));
      } else {
        listenedMs = duration;
      }
      // Drawn either way, so that the rest of the sequence is the seed's with fresh ids too.
      const seededId = uuid(random);
      return {
        playId: options.replay ? seededId : randomUUID(),
        trackId: track.trackId,
        userId,
        listenedMs,
        trackDurationMs: duration,
        completed: listenedMs === duration,
        source: "simulator",
      };
    },
  };
}

/** How many events are due after `elapsedMs` at `ratePerSecond`, given `sent` so far. */
export function dueEvents(ratePerSecond: number, elapsedMs: number, sent: number): number {
  return Math.max(0, Math.floor((ratePerSecond * elapsedMs) / 1000) - sent);
}

export interface SimulationProgress {
  sent: number;
  elapsedSeconds: number;
  /** Achieved since the start. */
  eventsPerSecond: number;
}

export interface SimulationOptions {
  endpoints: DemoEndpoints;
  ratePerSecond: number;
  /** Stops after this long; without it, runs until SIGINT or the signal aborts. */
  durationSeconds?: number;
  seed: number;
  topicPrefix?: string;
  tracks: readonly SimulatedTrack[];
  userIds: readonly string[];
  model?: PlayModel;
  /** How often due events are published (one publishAll per tick). */
  tickMs?: number;
  /** At most this many events per publishAll; a late tick sends several batches. */
  maxBatch?: number;
  signal?: AbortSignal;
  /** Stop cleanly on Ctrl-C (default true). */
  handleSigint?: boolean;
  /** About once a second. */
  onProgress?: (progress: SimulationProgress) => void;
  /** Resend the seed's plays with their own ids (an earlier run again); default fresh ids. */
  replay?: boolean;
}

export interface SimulationReport {
  sent: number;
  seconds: number;
  eventsPerSecond: number;
  stoppedBy: "duration" | "signal";
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Publishes plays at `ratePerSecond`: every tick (50 ms) the events due since the start
 * are published in one batch, so the rate holds on average even when a batch is slow
 * (the next tick catches up). With a duration, exactly rate × duration events are sent
 * when the broker keeps up; the report says what was achieved.
 */
export async function simulatePlays(options: SimulationOptions): Promise<SimulationReport> {
  if (!(options.ratePerSecond > 0)) throw new Error("the rate must be a positive number");
  const tickMs = options.tickMs ?? 50;
  const maxBatch = options.maxBatch ?? 1_000;
  const plays = createPlayGenerator(options);

  const stop = new AbortController();
  const onSigint = () => stop.abort();
  const onAbort = () => stop.abort();
  if (options.handleSigint ?? true) process.once("SIGINT", onSigint);
  options.signal?.addEventListener("abort", onAbort, { once: true });

  let sent = 0;
  let stoppedBy: SimulationReport["stoppedBy"] = "signal";
  const limitMs =
    options.durationSeconds === undefined
      ? Number.POSITIVE_INFINITY
      : options.durationSeconds * 1000;
  let began = performance.now();
  const publisher = { ...options, clientId: "vobe-demo-simulator" };
  try {
    await withPlayPublisher(publisher, async (publish) => {
      began = performance.now();
      let nextReport = began + 1000;
      while (!stop.signal.aborted) {
        const now = performance.now();
        const elapsed = Math.min(now - began, limitMs);
        let due = dueEvents(options.ratePerSecond, elapsed, sent);
        while (due > 0 && !stop.signal.aborted) {
          const count = Math.min(due, maxBatch);
          await publish(Array.from({ length: count }, () => ({ play: plays.next() })));
          sent += count;
          due -= count;
        }
        if (now >= nextReport) {
          nextReport += 1000;
          const seconds = (performance.now() - began) / 1000;
          options.onProgress?.({ sent, elapsedSeconds: seconds, eventsPerSecond: sent / seconds });
        }
        if (now - began >= limitMs) {
          stoppedBy = "duration";
          break;
        }
        const nextTick = tickMs - ((performance.now() - began) % tickMs);
        await sleep(
          Math.min(nextTick, Math.max(0, limitMs - (performance.now() - began))),
          stop.signal,
        );
      }
    });
  } finally {
    process.removeListener("SIGINT", onSigint);
    options.signal?.removeEventListener("abort", onAbort);
  }
  const seconds = (performance.now() - began) / 1000;
  return { sent, seconds, eventsPerSecond: sent / Math.max(seconds, 1e-3), stoppedBy };
}

export interface RecentPlaysOptions {
  endpoints: DemoEndpoints;
  seed: number;
  tracks: readonly SimulatedTrack[];
  userIds: readonly string[];
  /** How many plays, spread evenly over the last `minutes` up to now. */
  count: number;
  minutes: number;
  topicPrefix?: string;
  /** The clock (tests). */
  now?: Date;
}

/**
 * The demo's last hour of listening, back-dated: a platform loaded a moment ago would
 * otherwise have no plays in any closed hour, and "trending now" would stay empty until a
 * simulator had run for an hour. The plays are the simulator's (fresh ids, source
 * "simulator"), in event-time order, the newest at `now`, so the hours that end before
 * it close as soon as the processors read them.
 */
export async function sendRecentPlays(options: RecentPlaysOptions): Promise<{ sent: number }> {
  if (!(options.count > 0) || !(options.minutes > 0))
    throw new Error("recent plays need a positive count and a positive number of minutes");
  const plays = createPlayGenerator(options);
  const end = (options.now ?? new Date()).getTime();
  const spanMs = options.minutes * 60_000;
  await withPlayPublisher({ ...options, clientId: "vobe-demo-recent-plays" }, async (publish) => {
    const batchSize = 1_000;
    for (let first = 0; first < options.count; first += batchSize) {
      const batch = [];
      for (let i = first; i < Math.min(options.count, first + batchSize); i++) {
        // The i-th of `count` plays, evenly from end − span to end.
        const occurredAt = new Date(end - spanMs + Math.round(((i + 1) * spanMs) / options.count));
        batch.push({ play: plays.next(), occurredAt });
      }
      await publish(batch);
    }
  });
  return { sent: options.count };
}

type PublishPlays = (
  plays: ReadonlyArray<{ play: PlayPayload; occurredAt?: Date }>,
) => Promise<void>;

/** One producer of TrackPlayed events, prepared for `use` and closed when it settles. */
async function withPlayPublisher<T>(
  options: { endpoints: DemoEndpoints; topicPrefix?: string; clientId: string },
  use: (publish: PublishPlays) => Promise<T>,
): Promise<T> {
  const type = prefixedType(TrackPlayed, options.topicPrefix ?? "");
  const producer = createProducer({
    brokers: options.endpoints.kafkaBrokers,
    clientId: options.clientId,
  });
  const events = createEventProducer({
    producer,
    registry: registryApi(options.endpoints.schemaRegistryUrl),
  });
  try {
    await events.prepare([type]);
    return await use(async (plays) => {
      await events.publishAll(
        plays.map(
          ({ play, occurredAt }) =>
            ({
              type,
              key: play.trackId,
              payload: play,
              context: occurredAt ? { actor: systemActor, occurredAt } : { actor: systemActor },
            }) as PendingEvent<Envelope>,
        ),
      );
    });
  } finally {
    await producer.close();
  }
}
