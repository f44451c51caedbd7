/**
 * Each moment as it is now (ADR-028): what the write API checks a deletion's author against.
 *
 *   comment.track-moments ─▶ entity table ─▶ comment.track-moment-snapshots  (deleted: tombstone)
 *
 * Its own application, not a third table of content-snapshots: adding it changed no running
 * application (nothing to restart or reset when it was introduced).
 */
import {
  TrackMomentDeleted,
  TrackMomentPosted,
  type TrackMomentSnapshot,
  TrackMomentSnapshot as TrackMomentSnapshotType,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { DerivedEnvelope, TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

export type MomentRow = Omit<TrackMomentSnapshot, keyof DerivedEnvelope>;

/** Moments are posted and deleted, never edited: a repeated post (a resend) sets the same row. */
export function applyMoment(row: MomentRow | null, event: DecodedEvent): MomentRow | null {
  if (isEvent(event, TrackMomentPosted)) {
    const { momentId, trackId, authorId, atMs, body } = event.value;
    return { momentId, trackId, authorId, atMs, body };
  }
  return isEvent(event, TrackMomentDeleted) ? null : row;
}

export function momentSnapshotsTopology(options: TopologyOptions): Topology {
  const builder = new StreamsBuilder();
  snapshots(
    builder,
    options.serdes,
    "track-moment-snapshots",
    [TrackMomentPosted, TrackMomentDeleted],
    applyMoment,
    TrackMomentSnapshotType,
  );
  return builder.build();
}
