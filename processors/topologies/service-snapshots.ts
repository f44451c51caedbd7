/**
 * The small states the feedback and chat commands check: where a feedback item is in
 * triage, and who started a conversation.
 *
 *   feedback.feedback ─▶ entity table ─▶ feedback.feedback-status
 *   chat.messages     ─▶ entity table ─▶ chat.conversation-owners  (the first sender, once)
 */
import {
  ChatMessageSent,
  type ConversationOwner,
  ConversationOwner as ConversationOwnerType,
  FeedbackResolved,
  type FeedbackStatus,
  FeedbackStatus as FeedbackStatusType,
  FeedbackSubmitted,
  FeedbackTriaged,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { DerivedEnvelope, TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

export type FeedbackRow = Omit<FeedbackStatus, keyof DerivedEnvelope>;
export type ConversationRow = Omit<ConversationOwner, keyof DerivedEnvelope>;

export function applyFeedback(row: FeedbackRow | null, event: DecodedEvent): FeedbackRow | null {
  if (isEvent(event, FeedbackSubmitted))
    return { feedbackId: event.value.feedbackId, status: "open" };
  // Triage and resolution of an item never submitted are ignored; resolved is final.
  if (!row || row.status === "resolved") return row;
  if (isEvent(event, FeedbackTriaged)) return { ...row, status: "triaged" };
  if (isEvent(event, FeedbackResolved)) return { ...row, status: "resolved" };
  return row;
}

export function applyMessage(
  row: ConversationRow | null,
  event: DecodedEvent,
): ConversationRow | null {
  if (row || !isEvent(event, ChatMessageSent)) return row;
  return { conversationId: event.value.conversationId, userId: event.value.userId };
}

export function serviceSnapshotsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  snapshots(
    builder,
    serdes,
    "feedback-status",
    [FeedbackSubmitted, FeedbackTriaged, FeedbackResolved],
    applyFeedback,
    FeedbackStatusType,
  );
  snapshots(
    builder,
    serdes,
    "conversation-owners",
    [ChatMessageSent],
    applyMessage,
    ConversationOwnerType,
  );
  return builder.build();
}
