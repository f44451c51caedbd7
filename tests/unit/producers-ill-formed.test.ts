import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { KafkaProducer, OutRecord } from "../../platform/kafka/index.ts";
import {
  createEventProducer,
  type Envelope,
  IllFormedTextError,
  type PendingEvent,
} from "../../producers/index.ts";
import { PostPublished } from "../../schemas/generated/index.ts";

// Defence in depth behind the API's checks (api/http/text.ts): whoever writes through the
// producer layer (a worker, an importer, a script) cannot put a lone surrogate into the
// log. The broker is not needed to show that nothing reaches it: the layer is given a
// client that records what it is asked to send. tests/unit/producers-avro-writer.test.ts
// covers every event type's fields, on both encoder paths.

function recordingProducer() {
  const sent: OutRecord[] = [];
  const producer = {
    async send(records: readonly OutRecord[]) {
      sent.push(...records);
      return records.map((r, i) => ({ topic: r.topic, partition: 0, offset: BigInt(i) }));
    },
  } as unknown as KafkaProducer;
  return { sent, producer };
}

const context = { actor: { userId: null, role: "system" as const } };
const post = (title: string, key: string = randomUUID()) =>
  ({
    type: PostPublished,
    key,
    payload: { postId: key, authorId: randomUUID(), artistId: null, title, body: "b" },
    context,
  }) as unknown as PendingEvent<Envelope>;

describe("the producer layer refuses ill-formed text", () => {
  const registry = { lookup: async () => 1 };

  it("a lone surrogate in a field: IllFormedTextError naming the event type and the field; the batch is not sent", async () => {
    const { sent, producer } = recordingProducer();
    const events = createEventProducer({ producer, registry });
    const refused = await events
      .publishAll([post("fine"), post("bad \ud800 title")])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IllFormedTextError);
    const error = refused as IllFormedTextError;
    expect(error.eventType).toBe("vobemusic.content.PostPublished");
    expect(error.fields.map((f) => f.path)).toEqual(["title"]);
    expect(error.message).toMatch(/PostPublished: title is not well-formed Unicode/);
    expect(sent).toEqual([]);
  });

  it("a long string (avsc's other route) and one with a lone low surrogate too", async () => {
    const { sent, producer } = recordingProducer();
    const events = createEventProducer({ producer, registry });
    for (const title of [`${"x".repeat(100)}\udc00`, "\udc00é"]) {
      await expect(events.publishAll([post(title)])).rejects.toBeInstanceOf(IllFormedTextError);
    }
    expect(sent).toEqual([]);
  });

  it("a lone surrogate in the key", async () => {
    const { sent, producer } = recordingProducer();
    const events = createEventProducer({ producer, registry });
    const refused = await events
      .publishAll([post("fine", "key-\ud800")])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(IllFormedTextError);
    expect((refused as IllFormedTextError).fields.map((f) => f.path)).toEqual(["(key)"]);
    expect(sent).toEqual([]);
  });

  it("well-formed text, surrogate pairs included, is written as UTF-8", async () => {
    const { sent, producer } = recordingProducer();
    const events = createEventProducer({ producer, registry });
    await events.publishAll([post("😀 café 漢字")]);
    expect(sent).toHaveLength(1);
    const value = (sent[0] as OutRecord).value as Buffer;
    expect(value.includes(Buffer.from("😀 café 漢字", "utf8"))).toBe(true);
  });
});
