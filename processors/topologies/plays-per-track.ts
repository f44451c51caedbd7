/**
 * Plays per track, all time and per clock hour, from listening.plays (keyed by track,
 * so nothing is repartitioned), each play id once (plays.ts).
 *
 *   listening.plays ─▶ distinct plays ─▶ aggregate (plays, completed, listened, last) ─▶ listening.track-play-counts
 *                                    └▶ tumbling 1 h, grace 5 min ─▶ count ─▶ suppress ─▶ listening.track-plays-hourly
 *
 * The hourly count of a track is written once, when its hour is final: stream time (the
 * highest play time seen by the partition's task) has reached the hour's end + grace.
 * A play later than that is dropped (and counted by droppedRecordsSensor); it still
 * counts in the all-time totals.
 */
import {
  type PlaySource,
  type TrackPlayCount,
  TrackPlayCount as TrackPlayCountType,
  type TrackPlaysHourly,
  TrackPlaysHourly as TrackPlaysHourlyType,
} from "../../schemas/generated/index.ts";
import {
  Serdes,
  StreamsBuilder,
  TimeWindows,
  type Topology,
  untilWindowCloses,
} from "../engine/index.ts";
import { type TopologyOptions, toDerived } from "./common.ts";
import { distinctPlays, PLAY_IDS_STORE, playOf } from "./plays.ts";

/** Store names, for interactive queries. */
export const playsPerTrackStores = {
  /** Key-value: trackId → PlayTotals, all time. */
  counts: "track-play-counts",
  /** Key-value: the play ids seen (plays.ts). */
  playIds: PLAY_IDS_STORE,
  /** Window store: (trackId, hour) → plays. */
  hourly: "track-plays-hourly",
} as const;

export const HOUR_MS = 3_600_000;

/** What a track's distinct plays add up to (JSON in the store: no Dates). */
export interface PlayTotals {
  plays: number;
  completedPlays: number;
  listenedMs: number;
  /** The latest occurredAt of the plays, epoch ms. */
  lastPlayedAt: number;
}

export function addPlay(
  totals: PlayTotals,
  play: { completed: boolean; listenedMs: number; occurredAt: Date },
): PlayTotals {
  return {
    plays: totals.plays + 1,
    completedPlays: totals.completedPlays + (play.completed ? 1 : 0),
    listenedMs: totals.listenedMs + play.listenedMs,
    lastPlayedAt: Math.max(totals.lastPlayedAt, play.occurredAt.getTime()),
  };
}

export interface PlaysPerTrackOptions extends TopologyOptions {
  /** Grace for late plays in the hourly windows (default 5 minutes). */
  graceMs?: number;
  /** Play sources to count (default every source, simulator included). */
  sources?: readonly PlaySource[];
  /** How long a play id is remembered (default PLAY_ID_RETENTION_MS). */
  playIdRetentionMs?: number;
}

export function playsPerTrackTopology(options: PlaysPerTrackOptions): Topology {
  const { serdes } = options;
  const graceMs = options.graceMs ?? 5 * 60_000;
  const builder = new StreamsBuilder();
  const plays = distinctPlays(builder, serdes, {
    sources: options.sources,
    ...(options.playIdRetentionMs === undefined ? {} : { retentionMs: options.playIdRetentionMs }),
  });

  const totals = plays.groupByKey({ name: "plays-by-track" }).aggregate<PlayTotals>(
    () => ({ plays: 0, completedPlays: 0, listenedMs: 0, lastPlayedAt: 0 }),
    (_trackId, event, sum) => addPlay(sum, playOf(event)),
    { name: playsPerTrackStores.counts, valueSerde: Serdes.json<PlayTotals>() },
  );
  toDerived<string, PlayTotals, TrackPlayCount>(
    totals.toStream({ name: "track-play-counts-changes" }),
    TrackPlayCountType,
    (trackId, t) => ({
      trackId,
      plays: t.plays,
      completedPlays: t.completedPlays,
      listenedMs: t.listenedMs,
      lastPlayedAt: new Date(t.lastPlayedAt),
    }),
    "track-play-counts-records",
  ).to(serdes.topic(TrackPlayCountType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(TrackPlayCountType),
    name: "track-play-counts-sink",
  });

  const hourly = plays
    .groupByKey({ name: "plays-by-track-hourly" })
    .windowedBy(TimeWindows.ofSize(HOUR_MS).grace(graceMs))
    .count({ name: playsPerTrackStores.hourly })
    .suppress(untilWindowCloses(), { name: "track-plays-hourly-final" })
    .toStream({ name: "track-plays-hourly-changes" })
    .map((window, plays) => [window.key, { start: window.start, end: window.end, plays }], {
      name: "track-plays-hourly-by-track",
    });
  toDerived<string, { start: number; end: number; plays: number }, TrackPlaysHourly>(
    hourly,
    TrackPlaysHourlyType,
    (trackId, w) => ({
      trackId,
      windowStart: new Date(w.start),
      windowEnd: new Date(w.end),
      plays: w.plays,
    }),
    "track-plays-hourly-records",
  ).to(serdes.topic(TrackPlaysHourlyType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(TrackPlaysHourlyType),
    name: "track-plays-hourly-sink",
  });
  return builder.build();
}
