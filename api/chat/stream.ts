/**
 * GET /api/chat/conversations/:conversationId/stream: the guide's replies as they are
 * written, over Server-Sent Events. One follower per process reads chat.reply-stream (the
 * worker's pieces, guide/worker.ts) and chat.messages (the records) from their end, and
 * hands each record to the streams of its conversation whose user wrote it (a piece or a
 * reply names the user it answers; nobody else's stream gets it).
 *
 *   event: message        { messageId, conversationId, text, sentAt }          a user message
 *   event: reply.start    { inReplyTo, attempt }          an attempt begins: drop partial text
 *   event: reply.delta    { inReplyTo, attempt, seq, text }             text to append
 *   event: reply.tool     { inReplyTo, attempt, name }                  the guide looks up
 *   event: reply          { messageId, conversationId, inReplyTo, text, model, outcome,
 *                           error, references[], unverifiedNames[], sentAt }   the record
 *
 * Open the stream before posting the message; a reply already written is in
 * GET …/messages. EventSource cannot send headers: `?access_token=<jwt>` stands for the
 * Authorization header on this route only.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import { createFollower, type FollowedRecord, type Follower } from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../producers/index.ts";
import * as chat from "../../schemas/generated/chat.ts";
import type { ApiContext } from "../context.ts";
import { ApiError, notFound, unavailable } from "../http/errors.ts";
import { caller } from "../http/request-context.ts";
import { ErrorReply, Uuid } from "../http/schemas.ts";
import { formatPosition } from "../read/positions.ts";
import type { TopicView } from "../state/topic-view.ts";
import type { ConversationsState } from "./state.ts";

interface Frame {
  event: string;
  id: string;
  data: Record<string, unknown>;
}
type Listener = (frame: Frame) => void;

const iso = (v: unknown) => new Date(v as number | Date).toISOString();

export interface ChatStreamOptions {
  ctx: ApiContext;
  conversations: TopicView<ConversationsState>;
  maxSubscribers?: number;
  heartbeatMs?: number;
}

export const chatStream: FastifyPluginAsyncTypebox<ChatStreamOptions> = async (app, options) => {
  const { ctx, conversations } = options;
  const source = ctx.viewSource;
  // The API's types carry the topic prefix (tests): the other chat topics share it.
  const messagesTopic = ctx.types.ChatMessageSent.topic;
  const prefix = messagesTopic.slice(0, messagesTopic.length - chat.ChatMessageSent.topic.length);
  const streamTopic = `${prefix}${chat.ChatReplyDelta.topic}`;
  const maxSubscribers = options.maxSubscribers ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  // conversation → listener → the user it serves
  const subscribers = new Map<string, Map<Listener, string>>();
  const streams = new Set<FastifyReply>();
  let open = 0;
  let follower: Follower | undefined;
  let starting: Promise<void> | undefined;

  const deliver = (conversationId: string, userId: string | null, frame: Frame) => {
    const listeners = subscribers.get(conversationId);
    if (!listeners) return;
    const owner = userId ?? conversations.state.get(conversationId)?.userId;
    for (const [listener, user] of listeners) if (user === owner) listener(frame);
  };

  const handle = (r: FollowedRecord) => {
    if (r.status !== "decoded") return;
    const id = formatPosition(r.record);
    const type = r.record.headers.get(eventHeaders.eventType)?.toString();
    if (type === chat.ChatReplyDelta.name) {
      const d = r.value as chat.ChatReplyDelta;
      const base = { inReplyTo: d.inReplyTo, attempt: d.attempt };
      const frame: Frame =
        d.kind === "start"
          ? { event: "reply.start", id, data: base }
          : d.kind === "tool"
            ? { event: "reply.tool", id, data: { ...base, name: d.text } }
            : { event: "reply.delta", id, data: { ...base, seq: d.seq, text: d.text } };
      deliver(d.conversationId, d.userId, frame);
    } else if (type === chat.ChatMessageSent.name) {
      const m = r.value as chat.ChatMessageSent;
      deliver(m.conversationId, m.userId, {
        event: "message",
        id,
        data: {
          messageId: m.messageId,
          conversationId: m.conversationId,
          text: m.text,
          sentAt: iso(m.occurredAt),
        },
      });
    } else if (type === chat.ChatReplyGenerated.name) {
      const m = r.value as chat.ChatReplyGenerated;
      deliver(m.conversationId, m.userId ?? null, {
        event: "reply",
        id,
        data: {
          messageId: m.messageId,
          conversationId: m.conversationId,
          inReplyTo: m.inReplyTo,
          text: m.text,
          model: m.model,
          outcome: m.outcome,
          error: m.error,
          references: m.references,
          unverifiedNames: m.unverifiedNames,
          sentAt: iso(m.occurredAt),
        },
      });
    }
  };

  const start = async () => {
    const f = createFollower({
      name: "chat stream",
      admin: source.admin,
      fetcher: () => source.fetcher(`vobe-api-chat-stream-${process.pid}`),
      topics: [messagesTopic, streamTopic],
      from: "latest",
      // Only records of conversations someone watches are decoded.
      decode: {
        value: source.decode,
        wanted: (record) => subscribers.has(record.key?.toString() ?? ""),
      },
      onBatch: ({ records }) => {
        for (const r of records) handle(r);
      },
      maxWaitMs: 100,
      onError: (error) => {
        source.log?.warn({ err: error }, "chat stream follower failed; retrying");
        return 1_000;
      },
    });
    await f.open();
    f.run();
    follower = f;
  };

  const heartbeat = setInterval(() => {
    for (const reply of streams) if (!reply.raw.writableEnded) reply.raw.write(": heartbeat\n\n");
  }, heartbeatMs);
  heartbeat.unref();
  app.addHook("preClose", async () => {
    clearInterval(heartbeat);
    for (const reply of streams) reply.raw.end();
  });
  app.addHook("onClose", async () => {
    await follower?.close();
  });

  app.get(
    "/conversations/:conversationId/stream",
    {
      schema: {
        tags: ["chat"],
        summary:
          "The guide's reply to this conversation as it is written (Server-Sent Events: message, reply.start, reply.delta, reply.tool, reply)",
        security: [{ bearer: [] }],
        params: Type.Object({ conversationId: Uuid }, { additionalProperties: false }),
        querystring: Type.Object(
          { access_token: Type.Optional(Type.String({ maxLength: 4096 })) },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: "text/event-stream: `event`, `id` (a position), `data` (JSON)",
            content: { "text/event-stream": { schema: Type.String() } },
          },
          400: ErrorReply,
          401: ErrorReply,
          404: ErrorReply,
          503: ErrorReply,
        },
      },
      onRequest: [
        async (req) => {
          const token = (req.query as { access_token?: string }).access_token;
          if (token && req.headers.authorization === undefined) {
            req.headers.authorization = `Bearer ${token}`;
          }
        },
        ctx.auth.require(),
      ],
    },
    async (req, reply) => {
      const me = caller(req);
      const { conversationId } = req.params;
      // Another's conversation is not found, as on the other chat routes; one not started
      // yet is the caller's to start.
      const owner = conversations.state.get(conversationId)?.userId;
      if (owner !== undefined && owner !== me.userId) {
        throw notFound("conversation", conversationId, "params.conversationId");
      }
      if (open >= maxSubscribers) {
        throw new ApiError(503, "too_many_subscribers", "too many open streams; retry later");
      }
      try {
        if (!starting) {
          starting = start();
          starting.catch(() => {
            starting = undefined;
          });
        }
        await starting;
      } catch (error) {
        req.log.warn({ err: error }, "chat stream follower cannot start");
        throw unavailable("live_unavailable", "live replies are not available now");
      }
      open += 1;
      const listener: Listener = (f) => {
        const raw = reply.raw;
        if (raw.destroyed || raw.writableEnded) return;
        if (raw.writableLength > 1024 * 1024) return void raw.destroy();
        raw.write(`event: ${f.event}\nid: ${f.id}\ndata: ${JSON.stringify(f.data)}\n\n`);
      };
      const set = subscribers.get(conversationId) ?? new Map<Listener, string>();
      set.set(listener, me.userId);
      subscribers.set(conversationId, set);
      let closed = false;
      const release = () => {
        if (closed) return;
        closed = true;
        open -= 1;
        streams.delete(reply);
        const s = subscribers.get(conversationId);
        s?.delete(listener);
        if (s?.size === 0) subscribers.delete(conversationId);
      };
      reply.hijack();
      req.raw.on("close", release);
      reply.raw.on("close", release);
      reply.raw.writeHead(200, {
        // What the hooks set so far (CORS, security headers): hijacking skips their send.
        ...(reply.getHeaders() as Record<string, string>),
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": String(req.id),
      });
      reply.raw.write("retry: 3000\n: open\n\n");
      streams.add(reply);
    },
  );
};
