/**
 * GET /api/chat/conversations (the caller's, newest started first) and
 * /conversations/:conversationId/messages (oldest first; only the caller's conversations:
 * another's is not found, as if it did not exist).
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { notFound } from "../http/errors.ts";
import { caller } from "../http/request-context.ts";
import { Uuid } from "../http/schemas.ts";
import type { ReadPluginOptions } from "../read/context.ts";
import { decodeCursor, limitOf, page } from "../read/cursor.ts";
import {
  iso,
  NullableString,
  Page,
  pagination,
  Query,
  readResponses,
  Timestamp,
  waitForAfter,
} from "../read/http.ts";

const Conversation = Type.Object(
  {
    conversationId: Type.String(),
    startedAt: Timestamp,
    lastMessageAt: Timestamp,
    messages: Type.Integer(),
  },
  { additionalProperties: false },
);

const Message = Type.Object(
  {
    messageId: Type.String(),
    conversationId: Type.String(),
    kind: Type.Union([Type.Literal("user"), Type.Literal("reply")]),
    userId: NullableString,
    inReplyTo: NullableString,
    text: Type.String(),
    model: NullableString,
    sentAt: Timestamp,
  },
  { additionalProperties: false },
);

interface ConversationRow {
  conversation_id: string;
  started_at: Date;
  last_message_at: Date;
  messages: string;
  k: string;
}

interface MessageRow {
  message_id: string;
  conversation_id: string;
  kind: "user" | "reply";
  user_id: string | null;
  in_reply_to: string | null;
  text: string;
  model: string | null;
  sent_at: Date;
  k: string;
}

const chatReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("chat");
  const preHandler = waitForAfter(view);
  const onRequest = reads.ctx.auth.require();
  const tags = ["chat"];
  const security = [{ bearer: [] }];

  app.get(
    "/conversations",
    {
      schema: {
        tags,
        summary: "The caller's conversations, most recently started first (keyset pages)",
        security,
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Conversation) }),
      },
      onRequest,
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const limit = limitOf(req.query.limit);
      // started_at, not last_message_at: a sort key that moves would skip or repeat items.
      const after = decodeCursor("conversations", "timestamp", req.query.cursor);
      const rows = await view.query<ConversationRow>(
        `select conversation_id, started_at, last_message_at, messages,
                to_json(started_at) #>> '{}' as k
           from ${view.table("conversations")}
          where user_id = $1
            and ($2::timestamptz is null or (started_at, conversation_id) < ($2::timestamptz, $3::uuid))
          order by started_at desc, conversation_id desc limit $4`,
        [me.userId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "conversations",
        rows,
        limit,
        (r) => ({ key: r.k, id: r.conversation_id }),
        (r) => ({
          conversationId: r.conversation_id,
          startedAt: iso(r.started_at) as string,
          lastMessageAt: iso(r.last_message_at) as string,
          messages: Number(r.messages),
        }),
      );
    },
  );

  app.get(
    "/conversations/:conversationId/messages",
    {
      schema: {
        tags,
        summary: "The messages of one of the caller's conversations, oldest first (keyset pages)",
        security,
        params: Type.Object({ conversationId: Uuid }, { additionalProperties: false }),
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Message) }),
      },
      onRequest,
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const { conversationId } = req.params;
      const [owner] = await view.query<{ user_id: string | null }>(
        `select user_id from ${view.table("conversations")} where conversation_id = $1`,
        [conversationId],
      );
      if (!owner || owner.user_id !== me.userId) {
        throw notFound("conversation", conversationId, "params.conversationId");
      }
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("messages", "timestamp", req.query.cursor);
      const rows = await view.query<MessageRow>(
        `select message_id, conversation_id, kind, user_id, in_reply_to, text, model, sent_at,
                to_json(sent_at) #>> '{}' as k
           from ${view.table("messages")}
          where conversation_id = $1
            and ($2::timestamptz is null or (sent_at, message_id) > ($2::timestamptz, $3::uuid))
          order by sent_at, message_id limit $4`,
        [conversationId, after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "messages",
        rows,
        limit,
        (r) => ({ key: r.k, id: r.message_id }),
        (r) => ({
          messageId: r.message_id,
          conversationId: r.conversation_id,
          kind: r.kind,
          userId: r.user_id,
          inReplyTo: r.in_reply_to,
          text: r.text,
          model: r.model,
          sentAt: iso(r.sent_at) as string,
        }),
      );
    },
  );
};

export default chatReads;
