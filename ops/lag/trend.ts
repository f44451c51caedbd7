/**
 * Lag over time: from samples of one consumer's position and its topics' ends, how fast
 * it reads, whether it gains on its input, and when it catches up at that pace. Pure, so
 * the CLI's single run (two samples a few seconds apart) and `--watch` (a window of
 * minutes) compute the same thing.
 */

export interface LagSample {
  /** When it was taken, ms since the epoch. */
  at: number;
  /** Sum over the consumer's partitions of the next offset it will read. */
  consumed: bigint;
  /** Sum over the same partitions of the end offset. */
  end: bigint;
}

export interface LagTrend {
  /** Records behind now. */
  behind: bigint;
  /** Records read per second over the window. */
  readPerSecond: number;
  /** Records written to its inputs per second over the window. */
  writtenPerSecond: number;
  /** Change of `behind` per minute (negative: catching up). */
  behindPerMinute: number;
  /**
   * Seconds until caught up at the window's pace: 0 when nothing is behind, null when
   * it is not gaining (or the window is too short to tell).
   */
  etaSeconds: number | null;
}

/** The trend over the samples' window (oldest first); null with fewer than two samples. */
export function trendOf(samples: readonly LagSample[]): LagTrend | null {
  if (samples.length < 2) return null;
  const first = samples[0] as LagSample;
  const last = samples[samples.length - 1] as LagSample;
  const seconds = (last.at - first.at) / 1000;
  if (seconds <= 0) return null;
  const behind = last.end - last.consumed;
  const readPerSecond = Number(last.consumed - first.consumed) / seconds;
  const writtenPerSecond = Number(last.end - first.end) / seconds;
  const gainPerSecond = readPerSecond - writtenPerSecond;
  const behindPerMinute = -gainPerSecond * 60;
  let etaSeconds: number | null;
  if (behind <= 0n) etaSeconds = 0;
  else if (gainPerSecond > 0) etaSeconds = Number(behind) / gainPerSecond;
  else etaSeconds = null;
  return { behind, readPerSecond, writtenPerSecond, behindPerMinute, etaSeconds };
}

/** Keeps the samples of the last `windowMs` (and at least the newest two). */
export function keepWindow(samples: LagSample[], windowMs: number): LagSample[] {
  const newest = samples[samples.length - 1];
  if (!newest) return samples;
  const kept = samples.filter((s) => newest.at - s.at <= windowMs);
  return kept.length >= 2 ? kept : samples.slice(-2);
}
