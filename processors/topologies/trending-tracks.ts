/**
 * Trending tracks: the top N (10) tracks by plays in the last hour, refreshed every 5 min.
 *
 *   listening.plays ─▶ distinct plays ─▶ hopping 1 h / 5 min ─▶ count per track ─▶ suppress (final) ─┐
 *   ┌──────────────── re-key to "last-hour" (one partition) ◀──────────────────────┘
 *   └▶ aggregate: top N of the newest window ─▶ listening.trending
 *
 * Approach: each play id is counted once (plays.ts); per-track counts of hopping one-hour windows (a window ends every 5
 * minutes) are emitted once each, when final (window end + grace). Because every
 * (track, window) count arrives exactly once and never changes, the single-key
 * aggregate needs no subtractor: it keeps, for the newest window it has seen, the top N
 * by inserting each final count and cutting the list at N. A count of a newer window
 * starts a new list; counts of older windows are ignored. The record written is the
 * list so far of the newest window: it grows while the window's final counts arrive (they
 * come as a burst when the window closes) and is complete once every partition of
 * listening.plays has passed the window's end + grace.
 */
import {
  type TrendingTracks,
  TrendingTracks as TrendingTracksType,
} from "../../schemas/generated/index.ts";
import {
  Serdes,
  StreamsBuilder,
  TimeWindows,
  type Topology,
  untilWindowCloses,
} from "../engine/index.ts";
import { type TopologyOptions, toDerived } from "./common.ts";
import { distinctPlays, PLAY_IDS_STORE } from "./plays.ts";

export const TRENDING_KEY = "last-hour";

export const trendingStores = {
  /** Window store: (trackId, window) → plays. */
  windowCounts: "trending-window-counts",
  /** Key-value: "last-hour" → the current list. */
  top: "trending-top",
  /** Key-value: the play ids seen (plays.ts). */
  playIds: PLAY_IDS_STORE,
} as const;

export interface TrendingEntry {
  trackId: string;
  plays: number;
}

/** One track's final count of one window. */
export interface WindowCount extends TrendingEntry {
  windowStart: number;
  windowEnd: number;
}

export interface TrendingList {
  windowStart: number;
  windowEnd: number;
  tracks: TrendingEntry[];
}

export interface TrendingOptions extends TopologyOptions {
  /** How many tracks (default 10). */
  size?: number;
  /** Window length (default 1 h) and advance (default 5 min). */
  windowMs?: number;
  advanceMs?: number;
  /** Grace for late plays (default 1 min: the list should not lag much). */
  graceMs?: number;
  /** How long a play id is remembered (default PLAY_ID_RETENTION_MS). */
  playIdRetentionMs?: number;
}

/** Most plays first; equal plays by track id, so the order is deterministic. */
function byPlays(a: TrendingEntry, b: TrendingEntry): number {
  return b.plays - a.plays || (a.trackId < b.trackId ? -1 : a.trackId > b.trackId ? 1 : 0);
}

/** Adds one track's final count of a window to the list of the newest window. */
export function addToTop(list: TrendingList, window: WindowCount, size: number): TrendingList {
  if (window.windowStart < list.windowStart) return list;
  const entry = { trackId: window.trackId, plays: window.plays };
  const tracks =
    window.windowStart > list.windowStart
      ? [entry]
      : [...list.tracks.filter((t) => t.trackId !== entry.trackId), entry]
          .sort(byPlays)
          .slice(0, size);
  return { windowStart: window.windowStart, windowEnd: window.windowEnd, tracks };
}

export function trendingTopology(options: TrendingOptions): Topology {
  const { serdes } = options;
  const size = options.size ?? 10;
  const windows = TimeWindows.ofSize(options.windowMs ?? 3_600_000)
    .advanceBy(options.advanceMs ?? 5 * 60_000)
    .grace(options.graceMs ?? 60_000);
  const builder = new StreamsBuilder();
  const top = distinctPlays(
    builder,
    serdes,
    options.playIdRetentionMs === undefined ? {} : { retentionMs: options.playIdRetentionMs },
  )
    .groupByKey({ name: "plays-by-track" })
    .windowedBy(windows)
    .count({ name: trendingStores.windowCounts })
    .suppress(untilWindowCloses(), { name: "trending-window-final" })
    .toStream({ name: "trending-window-counts-final" })
    .map(
      (window, plays) => [
        TRENDING_KEY,
        { windowStart: window.start, windowEnd: window.end, trackId: window.key, plays },
      ],
      { name: "trending-rekey" },
    )
    .groupByKey({
      name: "trending-by-list",
      keySerde: Serdes.string(),
      valueSerde: Serdes.json<WindowCount>(),
    })
    .aggregate<TrendingList>(
      () => ({ windowStart: -1, windowEnd: -1, tracks: [] }),
      (_key, window, list) => addToTop(list, window, size),
      { name: trendingStores.top, valueSerde: Serdes.json<TrendingList>() },
    );
  toDerived<string, TrendingList, TrendingTracks>(
    top.toStream({ name: "trending-changes" }),
    TrendingTracksType,
    (_key, list) => ({
      windowStart: new Date(list.windowStart),
      windowEnd: new Date(list.windowEnd),
      tracks: list.tracks,
    }),
    "trending-records",
  ).to(serdes.topic(TrendingTracksType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(TrendingTracksType),
    name: "trending-sink",
  });
  return builder.build();
}
