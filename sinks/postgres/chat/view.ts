import { join } from "node:path";
import { ChatMessageSent, ChatReplyGenerated } from "../../../schemas/generated/chat.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, on, type RowWriter, written } from "../../engine/index.ts";

const key = ["message_id"];

/** Messages by conversation (chat database); messages never change once written. */
export const chatView = defineView<RowWriter>({
  name: "chat",
  ...viewContracts.chat,
  migrationsDir: join(import.meta.dirname, "migrations"),
  handlers: [
    on(ChatMessageSent, (e, rows, r) =>
      rows.insert("messages", key, {
        message_id: e.messageId,
        conversation_id: e.conversationId,
        kind: "user",
        user_id: e.userId,
        in_reply_to: null,
        text: e.text,
        model: null,
        prompt_tokens: null,
        completion_tokens: null,
        sent_at: e.occurredAt,
        ...written(r),
      }),
    ),
    on(ChatReplyGenerated, (e, rows, r) =>
      rows.insert("messages", key, {
        message_id: e.messageId,
        conversation_id: e.conversationId,
        kind: "reply",
        user_id: null,
        in_reply_to: e.inReplyTo,
        text: e.text,
        model: e.model,
        prompt_tokens: e.promptTokens,
        completion_tokens: e.completionTokens,
        sent_at: e.occurredAt,
        ...written(r),
      }),
    ),
  ],
});
