/**
 * Feedback items and where they are in triage: the latest status per item that
 * vobe-service-snapshots keeps (processors/topologies/service-snapshots.ts).
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export type FeedbackState = Map<string, { status: "open" | "triaged" | "resolved" }>;

export function createFeedbackView(
  source: ViewSource,
  types: EventTypes,
): TopicView<FeedbackState> {
  const derived = {
    FeedbackStatus: derivedType(types, generated.FeedbackStatus),
  };
  return createDerivedView<FeedbackState>({
    name: "feedback",
    topics: [derived.FeedbackStatus.topic],
    inputs: [types.FeedbackSubmitted.topic],
    application: applicationGroup(types, "service-snapshots"),
    source,
    initial: new Map(),
  }).on(derived.FeedbackStatus, (s, e) => s.set(e.feedbackId, { status: e.status }));
}
