/**
 * Moments that exist now, with their track and author: the latest snapshot per moment that
 * vobe-moment-snapshots keeps (processors/topologies/moment-snapshots.ts).
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export interface MomentRow {
  trackId: string;
  authorId: string;
}

export type MomentsState = Map<string, MomentRow>;

export function createMomentsView(source: ViewSource, types: EventTypes): TopicView<MomentsState> {
  const derived = {
    TrackMomentSnapshot: derivedType(types, generated.TrackMomentSnapshot),
  };
  return createDerivedView<MomentsState>({
    name: "moments",
    topics: [derived.TrackMomentSnapshot.topic],
    inputs: [types.TrackMomentPosted.topic],
    application: applicationGroup(types, "moment-snapshots"),
    source,
    initial: new Map(),
    onTombstone: (s, momentId) => s.delete(momentId),
  }).on(derived.TrackMomentSnapshot, (s, e) =>
    s.set(e.momentId, { trackId: e.trackId, authorId: e.authorId }),
  );
}
