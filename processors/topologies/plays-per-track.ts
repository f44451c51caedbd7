/**
 * Plays per track, all time and per clock hour, from listening.plays (keyed by track,
 * so nothing is repartitioned).
 *
 *   listening.plays ─▶ count ──────────────────────────────────────────▶ listening.track-play-counts
 *                   └▶ tumbling 1 h, grace 5 min ─▶ count ─▶ suppress ─▶ listening.track-plays-hourly
 *
 * The hourly count of a track is written once, when its hour is final: stream time (the
 * highest play time seen by the partition's task) has reached the hour's end + grace.
 * A play later than that is dropped (and counted by droppedRecordsSensor); it still
 * counts in the all-time total.
 */
import {
  type PlaySource,
  type TrackPlayCount,
  TrackPlayCount as TrackPlayCountType,
  TrackPlayed,
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
import { type DecodedEvent, eventValue } from "../serdes/avro.ts";
import { type TopologyOptions, toDerived } from "./common.ts";

/** Store names, for interactive queries. */
export const playsPerTrackStores = {
  /** Key-value: trackId → plays, all time. */
  counts: "track-play-counts",
  /** Window store: (trackId, hour) → plays. */
  hourly: "track-plays-hourly",
} as const;

export const HOUR_MS = 3_600_000;

export interface PlaysPerTrackOptions extends TopologyOptions {
  /** Grace for late plays in the hourly windows (default 5 minutes). */
  graceMs?: number;
  /** Play sources to count (default every source, simulator included). */
  sources?: readonly PlaySource[];
}

export function playsPerTrackTopology(options: PlaysPerTrackOptions): Topology {
  const { serdes } = options;
  const graceMs = options.graceMs ?? 5 * 60_000;
  const sources = options.sources;
  const builder = new StreamsBuilder();
  const plays = builder
    .stream<string, DecodedEvent>(serdes.topic(TrackPlayed), {
      keySerde: Serdes.string(),
      valueSerde: serdes.events([TrackPlayed]),
      name: "plays-source",
    })
    .filter(
      (_trackId, event) => {
        const play = eventValue(event, TrackPlayed);
        return play !== null && (!sources || sources.includes(play.source));
      },
      { name: "plays" },
    );

  const counts = plays
    .groupByKey({ name: "plays-by-track" })
    .count({ name: playsPerTrackStores.counts });
  toDerived<string, number, TrackPlayCount>(
    counts.toStream({ name: "track-play-counts-changes" }),
    TrackPlayCountType,
    (trackId, plays) => ({ trackId, plays }),
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
