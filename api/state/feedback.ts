/** Feedback items and where they are in triage: feedback.feedback folded. */
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

export type FeedbackState = Map<string, { status: "open" | "triaged" | "resolved" }>;

export function createFeedbackView(
  source: ViewSource,
  types: EventTypes,
): TopicView<FeedbackState> {
  return createTopicView<FeedbackState>({
    name: "feedback",
    topics: [types.FeedbackSubmitted.topic],
    source,
    initial: new Map(),
  })
    .on(types.FeedbackSubmitted, (s, e) => s.set(e.feedbackId, { status: "open" }))
    .on(types.FeedbackTriaged, (s, e) => s.set(e.feedbackId, { status: "triaged" }))
    .on(types.FeedbackResolved, (s, e) => s.set(e.feedbackId, { status: "resolved" }));
}
