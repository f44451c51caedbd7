/**
 * Who each chat conversation belongs to (whoever sent its first message): what
 * vobe-service-snapshots keeps (processors/topologies/service-snapshots.ts).
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export type ConversationsState = Map<string, { userId: string }>;

export function createConversationsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<ConversationsState> {
  const derived = {
    ConversationOwner: derivedType(types, generated.ConversationOwner),
  };
  return createDerivedView<ConversationsState>({
    name: "conversations",
    topics: [derived.ConversationOwner.topic],
    inputs: [types.ChatMessageSent.topic],
    application: applicationGroup(types, "service-snapshots"),
    source,
    initial: new Map(),
  }).on(derived.ConversationOwner, (s, e) => s.set(e.conversationId, { userId: e.userId }));
}
