/**
 * The guide's tests on a prefixed copy of the chat topics: apply them, write user messages,
 * read what is on chat.messages and chat.reply-stream, decoded.
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer, eventHeaders } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { ChatMessageSent } from "../../schemas/generated/chat.ts";
import { brokers, readTopic } from "./kafka.ts";

export interface Decoded {
  type: string;
  value: Record<string, unknown>;
  partition: number;
  offset: bigint;
}

export async function guideTopics(name: string) {
  const prefix = `test.guide-${name}.${randomUUID().slice(0, 8)}.`;
  const endpoints = inject("endpoints");
  await applyCatalog({
    kafkaBrokers: brokers(),
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: prefixedCatalog(
      prefix,
      catalog.filter((e) => e.name.startsWith("chat.")),
    ),
  });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-guide" });
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const sentType = { ...ChatMessageSent, topic: `${prefix}${ChatMessageSent.topic}` };

  const read = async (topic: string, count: number, settleMs = 500, timeoutMs = 30_000) => {
    const records = await readTopic(`${prefix}${topic}`, count, { settleMs, timeoutMs });
    const out: Decoded[] = [];
    for (const r of records) {
      if (!r.value) continue;
      out.push({
        type: r.headers.get(eventHeaders.eventType)?.toString() ?? "",
        value: (await registry.decode(r.value)) as Record<string, unknown>,
        partition: r.partition,
        offset: r.offset,
      });
    }
    return out;
  };

  return {
    prefix,
    endpoints,
    /** A user's message, as the API writes it. */
    async send(text: string, ids: { conversationId?: string; userId?: string } = {}) {
      const message = {
        messageId: randomUUID(),
        conversationId: ids.conversationId ?? randomUUID(),
        userId: ids.userId ?? randomUUID(),
        text,
      };
      await events.publish(sentType, message.conversationId, message, {
        actor: { userId: message.userId, role: "listener" },
      });
      return message;
    },
    messages: (count: number, settleMs?: number, timeoutMs?: number) =>
      read("chat.messages", count, settleMs, timeoutMs),
    replies: async (count: number, settleMs?: number, timeoutMs?: number) =>
      (await read("chat.messages", count, settleMs, timeoutMs)).filter((d) =>
        d.type.endsWith("ChatReplyGenerated"),
      ),
    deltas: (count: number, settleMs?: number, timeoutMs?: number) =>
      read("chat.reply-stream", count, settleMs, timeoutMs),
    usage: (count: number, settleMs?: number) => read("chat.usage", count, settleMs),
    close: () => producer.close(),
  };
}
