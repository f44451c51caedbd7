/**
 * The guide's reply worker (docs/adr/024-guide-replies.md): user message in, one reply
 * event out, on chat.messages.
 *
 *   start: InitProducerId for the transactional id `vobe-api-chat-guide` (an older one is
 *          fenced and its open transaction aborted, so it can publish nothing more)
 *       → read chat.messages to its end (read_committed): a user message without a
 *         ChatReplyGenerated naming it (inReplyTo) is pending; read chat.usage for the
 *         budgets
 *       → answer the pending ones, then follow the topic for new messages.
 *   answer: model call (at least once: a crash before the commit calls it again), deltas
 *       on chat.reply-stream while it streams, then ONE transaction: the reply (keyed by
 *       conversation, messageId a name-based id of the user message) and its usage record.
 *
 * Exactly one reply per user message: the reply is in the same partition as the message
 * it answers, after it, so reading the partition to its end after fencing shows every
 * reply ever committed; whoever holds the transactional id is the only writer.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ChatCompletionTool } from "openai/resources/chat/completions";
import { isFenced } from "../platform/kafka/errors.ts";
import {
  createAdmin,
  createFetcher,
  createFollower,
  createProducer,
  type FollowedRecord,
  type KafkaProducer,
  type KafkaTransaction,
} from "../platform/kafka/index.ts";
import { registryApi } from "../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../platform/registry/schema-registry.ts";
import {
  createEventProducer,
  type EventProducer,
  EventValidationError,
  eventHeaders,
  IllFormedTextError,
} from "../producers/index.ts";
import type { EventType } from "../schemas/event-type.ts";
import * as chat from "../schemas/generated/chat.ts";
import { Conversations, promptFor } from "./conversation.ts";
import { entitiesIn, ground } from "./grounding.ts";
import { type LimitSettings, UserLimits } from "./limits.ts";
import type { GuideMetrics } from "./metrics.ts";
import { type Model, ModelError, type ModelReply } from "./model.ts";

export interface GuideWorkerOptions {
  brokers: string[];
  schemaRegistryUrl: string;
  /** Put in front of every topic and of the transactional id (tests). */
  prefix?: string;
  model: Model;
  tools: ChatCompletionTool[];
  runTool(name: string, args: string, userId: string): Promise<string>;
  limits: LimitSettings;
  /** Tokens of earlier turns sent with a question. */
  historyTokens: number;
  /** Replies written at the same time (one at a time per conversation). */
  concurrency: number;
  metrics?: GuideMetrics;
  log?: (fields: Record<string, unknown>, message: string) => void;
  /** Another instance took the transactional id over: this one stops publishing. */
  onFenced?: () => void;
}

export interface GuideStats {
  pendingAtStart: number;
  answered: number;
  inFlight: number;
}

// RFC 4122 version 5 (name-based, SHA-1) under a namespace of our own.
const namespace = Buffer.from("6f1d6c1e5b0a4c59a3f0b1a2c3d4e5f6", "hex");
export function replyIdFor(userMessageId: string): string {
  const h = createHash("sha1").update(namespace).update(`guide-reply:${userMessageId}`).digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

const prefixed = <T>(type: EventType<T>, prefix: string): EventType<T> => ({
  ...type,
  topic: `${prefix}${type.topic}`,
});

const limitedText: Record<string, string> = {
  rate_limited:
    "You are sending messages faster than the guide answers them. Wait a minute and ask again.",
  token_budget: "You have used today's allowance of the guide. It will answer again tomorrow.",
};
const errorText =
  "The guide could not answer just now (the language model did not respond). Please ask again in a moment.";

export function createGuideWorker(options: GuideWorkerOptions) {
  const prefix = options.prefix ?? "";
  const types = {
    sent: prefixed(chat.ChatMessageSent, prefix),
    reply: prefixed(chat.ChatReplyGenerated, prefix),
    usage: prefixed(chat.ChatUsageRecorded, prefix),
    delta: prefixed(chat.ChatReplyDelta, prefix),
  };
  const log = options.log ?? (() => {});
  const admin = createAdmin({ brokers: options.brokers, clientId: "vobe-guide" });
  const registry = createSchemaRegistry(options.schemaRegistryUrl);
  const lookup = registryApi(options.schemaRegistryUrl);
  const decode = (value: Buffer) => registry.decode(value);
  const txProducer = createProducer({
    brokers: options.brokers,
    clientId: "vobe-guide",
    // Under the API's transactional prefix: the guide acts as the chat service (principal
    // api-chat, stack/kafka-acls.ts), whose topics it writes.
    transactionalId: `${prefix}vobe-api-chat-guide`,
  });
  const deltaProducer = createProducer({ brokers: options.brokers, clientId: "vobe-guide-deltas" });
  let tx: KafkaTransaction | undefined;
  // The event layer writes through whichever transaction is open.
  const inTx: KafkaProducer = {
    send: (records) => (tx as KafkaTransaction).send(records),
    initTransactions: async () => {},
    transaction: () => txProducer.transaction(),
    close: async () => {},
  };
  const txEvents: EventProducer = createEventProducer({ producer: inTx, registry: lookup });
  const deltaEvents = createEventProducer({ producer: deltaProducer, registry: lookup });

  const conversations = new Conversations();
  const limits = new UserLimits(options.limits);
  const answered = new Set<string>();
  const queued = new Set<string>();
  const chains = new Map<string, Promise<void>>();
  let running = 0;
  const slots: Array<() => void> = [];
  let stopped = false;
  let catchingUp = true;
  const pendingAtStart: chat.ChatMessageSent[] = [];
  const stats: GuideStats = { pendingAtStart: 0, answered: 0, inFlight: 0 };
  let publishing: Promise<unknown> = Promise.resolve();

  const typeOf = (r: FollowedRecord) => r.record.headers.get(eventHeaders.eventType)?.toString();
  const wanted = new Set([types.sent.name, types.reply.name, types.usage.name]);

  const follower = createFollower({
    name: "guide",
    admin,
    fetcher: () => createFetcher({ brokers: options.brokers, clientId: "vobe-guide" }),
    topics: [types.sent.topic, types.usage.topic],
    from: "earliest",
    decode: {
      value: decode,
      wanted: (record) => wanted.has(record.headers.get(eventHeaders.eventType)?.toString() ?? ""),
    },
    onBatch: ({ records }) => {
      for (const r of records) {
        if (r.status === "undecodable") {
          log({ err: String(r.error), offset: String(r.record.offset) }, "guide skipped a record");
          continue;
        }
        if (r.status !== "decoded") continue;
        const type = typeOf(r);
        if (type === types.sent.name) {
          const m = r.value as chat.ChatMessageSent;
          conversations.add(m.conversationId, {
            messageId: m.messageId,
            role: "user",
            text: m.text,
          });
          if (answered.has(m.messageId)) continue;
          if (catchingUp) pendingAtStart.push(m);
          else schedule(m);
        } else if (type === types.reply.name) {
          const m = r.value as chat.ChatReplyGenerated;
          answered.add(m.inReplyTo);
          conversations.add(m.conversationId, {
            messageId: m.messageId,
            role: "assistant",
            text: m.text,
          });
        } else if (type === types.usage.name) {
          const u = r.value as chat.ChatUsageRecorded;
          const at = new Date(u.occurredAt as unknown as number | Date).getTime();
          limits.record(u.userId, u.inReplyTo, at, u.promptTokens + u.completionTokens);
        }
      }
    },
    onError: (error, attempt) => {
      log({ err: String(error), attempt }, "guide fetch failed; retrying");
      return Math.min(500 * 2 ** attempt, 10_000);
    },
  });

  const acquire = async () => {
    if (running < options.concurrency) {
      running += 1;
      return;
    }
    await new Promise<void>((resolve) => slots.push(resolve));
  };
  const release = () => {
    const next = slots.shift();
    if (next) next();
    else running -= 1;
  };

  /** One conversation's messages are answered in order: each reply remembers the last. */
  function schedule(m: chat.ChatMessageSent) {
    if (queued.has(m.messageId) || answered.has(m.messageId)) return;
    queued.add(m.messageId);
    const previous = chains.get(m.conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      await acquire();
      stats.inFlight += 1;
      try {
        if (!stopped && !answered.has(m.messageId)) await answer(m);
      } catch (error) {
        log({ err: String(error), messageId: m.messageId }, "guide reply failed");
      } finally {
        stats.inFlight -= 1;
        queued.delete(m.messageId);
        release();
      }
    });
    chains.set(m.conversationId, next);
    void next.then(() => {
      if (chains.get(m.conversationId) === next) chains.delete(m.conversationId);
    });
  }

  /** Deltas are coalesced: while one send is in flight, the next pieces wait together. */
  const deltaStream = (m: chat.ChatMessageSent) => {
    let attempt = randomUUID();
    let seq = 0;
    let buffered = "";
    let chain: Promise<void> = Promise.resolve();
    let inFlight = false;
    const send = (kind: string, text: string) => {
      const payload = {
        conversationId: m.conversationId,
        userId: m.userId,
        inReplyTo: m.messageId,
        attempt,
        seq: seq++,
        kind,
        text: text.toWellFormed(),
      };
      chain = chain
        .then(async () => {
          await deltaEvents.publish(types.delta, m.conversationId, payload, {
            actor: { userId: null, role: "system" },
            causationId: m.eventId,
          });
        })
        .catch((error) => log({ err: String(error) }, "guide delta not sent"));
      return chain;
    };
    const flush = () => {
      if (inFlight || !buffered) return;
      const text = buffered;
      buffered = "";
      inFlight = true;
      void send("delta", text).then(() => {
        inFlight = false;
        flush();
      });
    };
    return {
      start() {
        attempt = randomUUID();
        seq = 0;
        buffered = "";
        void send("start", "");
      },
      text(piece: string) {
        buffered += piece;
        flush();
      },
      tool(name: string) {
        buffered && flush();
        void send("tool", name);
      },
      done: async () => {
        while (inFlight || buffered) {
          flush();
          await chain;
          await new Promise((r) => setImmediate(r));
        }
        await chain;
      },
    };
  };

  async function answer(m: chat.ChatMessageSent) {
    const started = Date.now();
    const refusal = limits.refusal(m.userId, started);
    let reply: ModelReply | undefined;
    let failure: string | null = refusal;
    let attempts = 0;
    const deltas = deltaStream(m);
    if (!refusal) {
      const history = conversations.before(m.conversationId, m.messageId, options.historyTokens);
      try {
        reply = await options.model.reply(promptFor(history, m.text), options.tools, {
          onAttempt: () => {
            options.metrics?.modelCalls.inc();
            deltas.start();
          },
          onText: (piece) => deltas.text(piece),
          onTool: (name) => deltas.tool(name),
          runTool: (name, args) => options.runTool(name, args, m.userId),
        });
      } catch (error) {
        failure = error instanceof ModelError ? error.code : "model_unavailable";
        attempts = error instanceof ModelError ? error.attempts : 0;
        log({ err: String(error), messageId: m.messageId }, "guide model failed");
      }
    }
    await deltas.done();
    const entities = (reply?.toolCalls ?? []).flatMap((c) => entitiesIn(c.result));
    const grounded = reply ? ground(reply.text, entities) : undefined;
    const outcome = reply ? "answered" : refusal ? "limited" : "error";
    // A model may send a lone surrogate (or a cut may split a pair): the producer layer
    // refuses ill-formed text, and a reply it refuses would be retried for ever.
    const text = (
      grounded
        ? grounded.text + (reply?.truncated ? " …" : "")
        : refusal
          ? (limitedText[refusal] as string)
          : errorText
    ).toWellFormed();
    const model = reply || !refusal ? options.model.model : "";
    const context = { actor: { userId: null, role: "system" as const }, causationId: m.eventId };
    const tokens = { prompt: reply?.promptTokens ?? 0, completion: reply?.completionTokens ?? 0 };
    const latencyMs = reply?.latencyMs ?? Date.now() - started;
    const events: Parameters<EventProducer["publishAll"]>[0] = [
      {
        type: types.reply,
        key: m.conversationId,
        context,
        payload: {
          messageId: replyIdFor(m.messageId),
          conversationId: m.conversationId,
          inReplyTo: m.messageId,
          text,
          model,
          promptTokens: tokens.prompt,
          completionTokens: tokens.completion,
          userId: m.userId,
          outcome,
          error: failure,
          toolCalls: (reply?.toolCalls ?? []).map((c) => ({
            callId: c.callId.toWellFormed(),
            name: c.name.toWellFormed(),
            arguments: c.arguments.toWellFormed(),
            result: c.result.toWellFormed(),
          })),
          references: grounded?.references ?? [],
          unverifiedNames: (grounded?.unverified ?? []).map((n) => n.toWellFormed()),
          latencyMs,
          attempts: reply?.attempts ?? attempts,
        },
      },
      {
        type: types.usage,
        key: m.userId,
        context,
        payload: {
          userId: m.userId,
          conversationId: m.conversationId,
          inReplyTo: m.messageId,
          model,
          promptTokens: tokens.prompt,
          completionTokens: tokens.completion,
          latencyMs,
          firstTokenMs: reply?.firstTokenMs ?? null,
          outcome,
        },
      },
    ];
    try {
      await publish(m, events);
    } catch (error) {
      if (!(error instanceof EventValidationError || error instanceof IllFormedTextError)) {
        throw error;
      }
      // What the model wrote cannot be recorded: the user gets an error reply instead.
      log({ err: String(error), messageId: m.messageId }, "guide reply refused; error reply");
      const [replyEvent, usageEvent] = events as [(typeof events)[0], (typeof events)[0]];
      await publish(m, [
        {
          ...replyEvent,
          payload: {
            ...replyEvent.payload,
            text: errorText,
            outcome: "error",
            error: "reply_invalid",
            toolCalls: [],
            references: [],
            unverifiedNames: [],
          } as (typeof replyEvent)["payload"],
        },
        {
          ...usageEvent,
          payload: { ...usageEvent.payload, outcome: "error" } as (typeof usageEvent)["payload"],
        },
      ]);
    }
    answered.add(m.messageId);
    conversations.add(m.conversationId, {
      messageId: replyIdFor(m.messageId),
      role: "assistant",
      text,
    });
    limits.record(m.userId, m.messageId, Date.now(), tokens.prompt + tokens.completion);
    stats.answered += 1;
    const metrics = options.metrics;
    if (metrics) {
      metrics.replies.inc({ outcome });
      metrics.tokens.inc({ kind: "prompt", model }, tokens.prompt);
      metrics.tokens.inc({ kind: "completion", model }, tokens.completion);
      if (reply?.firstTokenMs != null) metrics.firstToken.observe(reply.firstTokenMs / 1000);
      metrics.latency.observe({ outcome }, (Date.now() - started) / 1000);
    }
  }

  /**
   * The reply and its usage, in one transaction, one at a time (a producer has one open
   * transaction). A failure other than fencing is tried again: the model is not asked twice
   * for a reply this process holds.
   */
  async function publish(
    m: chat.ChatMessageSent,
    events: Parameters<EventProducer["publishAll"]>[0],
  ) {
    for (let attempt = 0; ; attempt++) {
      if (stopped) throw new Error("stopped before the reply was published");
      const turn = publishing.then(async () => {
        tx = await txProducer.transaction();
        try {
          await txEvents.publishAll(events);
          await tx.commit();
        } catch (error) {
          await tx.abort().catch(() => {});
          throw error;
        } finally {
          tx = undefined;
        }
      });
      publishing = turn.catch(() => {});
      try {
        await turn;
        return;
      } catch (error) {
        if (isFenced(error)) {
          log({ messageId: m.messageId }, "guide fenced: another instance answers now");
          stopped = true;
          options.onFenced?.();
          throw error;
        }
        // Refused by the event layer (schema, text): trying again would refuse it again.
        if (error instanceof EventValidationError || error instanceof IllFormedTextError) {
          throw error;
        }
        log({ err: String(error), attempt }, "guide publish failed; retrying");
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5_000)));
      }
    }
  }

  return {
    stats: () => ({ ...stats }),
    async start() {
      // Fencing first: after it no older incarnation can commit, so the end read next
      // holds every reply there will ever be for the messages before it.
      await txProducer.initTransactions();
      await deltaEvents.prepare([types.delta]);
      await txEvents.prepare([types.reply, types.usage]);
      await follower.open();
      const ends = await follower.ends();
      while (!follower.reached(ends)) await follower.poll(200);
      catchingUp = false;
      const pending = pendingAtStart.filter((m) => !answered.has(m.messageId));
      stats.pendingAtStart = pending.length;
      log({ pending: pending.length }, "guide caught up");
      for (const m of pending) schedule(m);
      follower.run();
    },
    async stop() {
      stopped = true;
      await follower.close().catch(() => {});
      // A reply still streaming is dropped: the next start answers its message again.
      await Promise.race([
        Promise.allSettled([...chains.values()]),
        new Promise((r) => setTimeout(r, 2_000)),
      ]);
      await Promise.allSettled([txProducer.close(), deltaProducer.close(), admin.close()]);
    },
  };
}

export type GuideWorker = ReturnType<typeof createGuideWorker>;
