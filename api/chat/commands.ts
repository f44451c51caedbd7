/** The chat service's command: a user's message; the guide's reply is another service's event. */
import { randomUUID } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { PublishedEvent } from "../../producers/index.ts";
import type { ConversationsState } from "../chat/state.ts";
import type { ApiContext } from "../context.ts";
import type { AuthUser } from "../http/auth.ts";
import { notFound } from "../http/errors.ts";
import { eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";

export async function send(
  ctx: ApiContext,
  conversations: TopicView<ConversationsState>,
  request: FastifyRequest,
  user: AuthUser,
  conversationId: string,
  text: string,
): Promise<PublishedEvent> {
  // A conversation belongs to whoever started it: nobody writes into another's. Not found,
  // as the reads answer: a 403 would tell that the id exists.
  await conversations.catchUp();
  const owner = conversations.state.get(conversationId)?.userId;
  if (owner !== undefined && owner !== user.userId) {
    throw notFound("conversation", conversationId, "params.conversationId");
  }
  return ctx.events.publish(
    ctx.types.ChatMessageSent,
    conversationId,
    { messageId: randomUUID(), conversationId, userId: user.userId, text },
    eventContext(request),
  );
}
