/**
 * The dashboard's numbers shaped for uPlot (columns: x values, then one array per series) and
 * for the table a screen reader gets instead of the canvas. Nothing is counted here: the
 * plays are the processors' (GET /api/listening/stats/tracks and /tracks/{id}/hourly).
 *
 *   const chart = hourlyChart(page.items);      // every hour from the first to the last, 0 where none
 *   const bars = allTimeChart(tracks, stats);   // one bar per track, in album order
 */

const hourMs = 3_600_000;

export interface ChartRow {
  /** What the row is about: an hour (ISO start) or a track's title. */
  label: string;
  value: number;
}

export interface Chart {
  /** uPlot's aligned data: [x values, y values]. */
  data: [number[], number[]];
  rows: ChartRow[];
}

/**
 * Plays per hour, oldest first (the API pages newest first), each hour in the range once: an
 * hour without a row had no play, so it is a 0, not a gap the line would jump across. x is
 * in seconds, as uPlot's time scale wants.
 */
export function hourlyChart(
  hours: ReadonlyArray<{ windowStart: string; plays: number }>,
  maxHours = 24 * 14,
): Chart {
  const byStart = new Map<number, number>();
  for (const h of hours) {
    const start = Date.parse(h.windowStart);
    if (Number.isFinite(start)) byStart.set(start, (byStart.get(start) ?? 0) + h.plays);
  }
  if (byStart.size === 0) return { data: [[], []], rows: [] };
  const last = Math.max(...byStart.keys());
  const first = Math.max(Math.min(...byStart.keys()), last - (maxHours - 1) * hourMs);
  const xs: number[] = [];
  const ys: number[] = [];
  const rows: ChartRow[] = [];
  for (let t = first; t <= last; t += hourMs) {
    const plays = byStart.get(t) ?? 0;
    xs.push(t / 1000);
    ys.push(plays);
    rows.push({ label: new Date(t).toISOString(), value: plays });
  }
  return { data: [xs, ys], rows };
}

/** All-time plays of each track, one bar each at x = 0, 1, 2, … in the order given. */
export function allTimeChart(
  tracks: ReadonlyArray<{ trackId: string; title: string }>,
  stats: ReadonlyArray<{ trackId: string; plays: number }>,
): Chart {
  const plays = new Map(stats.map((s) => [s.trackId, s.plays]));
  const rows = tracks.map((t) => ({ label: t.title, value: plays.get(t.trackId) ?? 0 }));
  return { data: [rows.map((_, i) => i), rows.map((r) => r.value)], rows };
}
