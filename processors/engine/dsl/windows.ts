/**
 * Window definitions for windowedBy() and stream-stream joins. Grace is how long after
 * a window ends late records are still accepted (default 0: "no grace"). A window
 * [start, end) is closed once stream time >= end + grace; later records for it are
 * dropped and counted in droppedRecordsSensor.
 */

/**
 * Fixed-size windows: tumbling by default, hopping with advanceBy.
 *
 *   TimeWindows.ofSize(60_000).advanceBy(10_000).grace(5_000)
 */
export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  static ofSize(sizeMs: number): TimeWindows {
    positive(sizeMs, "window size");
    return new TimeWindows(sizeMs, sizeMs, 0);
  }

  advanceBy(advanceMs: number): TimeWindows {
    positive(advanceMs, "advance");
    if (advanceMs > this.sizeMs) throw new RangeError("advance must not exceed the window size");
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  grace(graceMs: number): TimeWindows {
    notNegative(graceMs, "grace");
    return new TimeWindows(this.sizeMs, this.advanceMs, graceMs);
  }

  /**
   * Starts of the windows holding `timestamp`, oldest first: every multiple of the
   * advance in (timestamp - size, timestamp]. Windows never start before 0 (as in KS).
   */
  windowStartsFor(timestamp: number): number[] {
    const starts: number[] = [];
    const remainder = ((timestamp % this.advanceMs) + this.advanceMs) % this.advanceMs;
    for (
      let start = timestamp - remainder;
      start > timestamp - this.sizeMs;
      start -= this.advanceMs
    ) {
      if (start >= 0) starts.push(start);
    }
    return starts.reverse();
  }
}

/**
 * Sessions: a key's records closer than `gap` apart fall in one session; a record
 * bridging two sessions merges them.
 *
 *   SessionWindows.withGap(30 * 60_000).grace(60_000)
 */
export class SessionWindows {
  private constructor(
    readonly gapMs: number,
    readonly graceMs: number,
  ) {}

  static withGap(gapMs: number): SessionWindows {
    positive(gapMs, "inactivity gap");
    return new SessionWindows(gapMs, 0);
  }

  grace(graceMs: number): SessionWindows {
    notNegative(graceMs, "grace");
    return new SessionWindows(this.gapMs, graceMs);
  }
}

/**
 * How far apart two records' timestamps may be to join (stream-stream joins): a left
 * record at t joins right records in [t - before, t + after].
 *
 *   JoinWindows.of(5 * 60_000).grace(60_000)
 */
export class JoinWindows {
  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {}

  static of(differenceMs: number): JoinWindows {
    notNegative(differenceMs, "join window");
    return new JoinWindows(differenceMs, differenceMs, 0);
  }

  before(beforeMs: number): JoinWindows {
    notNegative(beforeMs, "before");
    return new JoinWindows(beforeMs, this.afterMs, this.graceMs);
  }

  after(afterMs: number): JoinWindows {
    notNegative(afterMs, "after");
    return new JoinWindows(this.beforeMs, afterMs, this.graceMs);
  }

  grace(graceMs: number): JoinWindows {
    notNegative(graceMs, "grace");
    return new JoinWindows(this.beforeMs, this.afterMs, graceMs);
  }
}

function positive(ms: number, what: string): void {
  if (!(ms > 0) || !Number.isInteger(ms))
    throw new RangeError(`${what} must be a positive integer (ms)`);
}

function notNegative(ms: number, what: string): void {
  if (!(ms >= 0) || !Number.isInteger(ms))
    throw new RangeError(`${what} must be an integer >= 0 (ms)`);
}
