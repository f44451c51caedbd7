/** Who each chat conversation belongs to (whoever sent its first message): chat.messages folded. */
import type { EventTypes } from "../events/event-types.ts";
import { createTopicView, type TopicView, type ViewSource } from "./topic-view.ts";

export type ConversationsState = Map<string, { userId: string }>;

export function createConversationsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<ConversationsState> {
  return createTopicView<ConversationsState>({
    name: "conversations",
    topics: [types.ChatMessageSent.topic],
    source,
    initial: new Map(),
  }).on(types.ChatMessageSent, (s, e) => {
    if (!s.has(e.conversationId)) s.set(e.conversationId, { userId: e.userId });
  });
}
