import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import {
  createEventProducer,
  EventValidationError,
  eventHeaders,
  SchemaNotRegisteredError,
  systemActor,
} from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import {
  type TrackPlayed,
  TrackPlayed as TrackPlayedType,
} from "../../schemas/generated/listening.ts";
import { brokers, readTopic, testAdmin } from "../support/kafka.ts";

const prefix = `test.producer.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(
  prefix,
  catalog.filter((t) => t.name === "listening.plays"),
);
const played = entries[0]?.events[0] as EventType<TrackPlayed>;

describe("the producer layer", () => {
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests" });
  const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
  const events = createEventProducer({
    producer,
    registry: registryApi(inject("endpoints").schemaRegistryUrl),
  });

  beforeAll(async () => {
    await applyCatalog({
      kafkaBrokers: brokers(),
      schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
      catalog: entries,
    });
  });
  afterAll(async () => {
    await producer.close();
    await admin.deleteTopics(entries.map((t) => t.name));
    await admin.close();
    const api = registryApi(inject("endpoints").schemaRegistryUrl);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await api.deleteSubject(subject).catch(() => {});
    }
  });

  const play = () => ({
    playId: randomUUID(),
    trackId: randomUUID(),
    userId: randomUUID(),
    listenedMs: 30_000,
    trackDurationMs: 180_000,
    completed: false,
    source: "web" as const,
  });
  const context = {
    actor: { userId: randomUUID(), role: "listener" as const },
    correlationId: "req-1",
  };

  it("publishes an event with its envelope, key and headers, and says where it landed", async () => {
    const payload = play();
    const published = await events.publish(played, payload.trackId, payload, context);
    expect(published.topic).toBe(played.topic);
    expect(published.eventId).toMatch(/^[0-9a-f-]{36}$/);

    const [record] = await readTopic(played.topic, 1, { settleMs: 300 });
    expect(record?.partition).toBe(published.partition);
    expect(record?.offset).toBe(published.offset);
    expect(record?.key?.toString()).toBe(payload.trackId);
    expect(record?.headers.get(eventHeaders.eventType)?.toString()).toBe(TrackPlayedType.name);
    expect(record?.headers.get(eventHeaders.correlationId)?.toString()).toBe("req-1");
    const decoded = (await registry.decode(record?.value as Buffer)) as TrackPlayed;
    expect(decoded).toMatchObject({ ...payload, eventId: published.eventId, actor: context.actor });
    expect(decoded.occurredAt).toBeInstanceOf(Date);
  });

  it("writes a batch that reads back as published, for the system and a listener alike", async () => {
    const payloads = Array.from({ length: 20 }, play);
    const contexts = payloads.map((p, i) =>
      i % 2 === 0
        ? { actor: systemActor }
        : { actor: { userId: p.userId, role: "listener" as const }, causationId: randomUUID() },
    );
    const published = await events.publishAll(
      payloads.map((payload, i) => ({
        type: played,
        key: payload.trackId,
        payload,
        context: contexts[i],
      })) as never,
    );
    // The first test's event, then these 20.
    const records = await readTopic(played.topic, 21, { settleMs: 500 });
    const byId = new Map(published.map((p, i) => [p.eventId, i]));
    let seen = 0;
    for (const record of records) {
      const decoded = (await registry.decode(record.value as Buffer)) as TrackPlayed;
      const i = byId.get(decoded.eventId);
      if (i === undefined) continue;
      seen++;
      expect(decoded).toMatchObject({ ...payloads[i], actor: contexts[i]?.actor });
      expect(record.key?.toString()).toBe(payloads[i]?.trackId);
      // The headers carry each event's own id (the batch writes ids as one block of bytes).
      expect(record.headers.get(eventHeaders.eventId)?.toString()).toBe(decoded.eventId);
      expect(record.headers.get(eventHeaders.correlationId)?.toString()).toBe(decoded.eventId);
      expect(record.offset).toBe(published[i]?.offset);
    }
    expect(seen).toBe(20);
  });

  it("refuses an invalid event naming its fields, and writes nothing of the batch", async () => {
    const before = await admin.endOffsets(played.topic);
    const good = play();
    const bad = { ...play(), userId: "not-a-uuid", listenedMs: "long" as unknown as number };
    const attempt = events.publishAll([
      { type: played, key: good.trackId, payload: good, context },
      { type: played, key: bad.trackId, payload: bad, context },
    ] as never);
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventValidationError);
    expect((error as EventValidationError).fields.map((f) => f.path).sort()).toEqual([
      "listenedMs",
      "userId",
    ]);
    expect(await admin.endOffsets(played.topic)).toEqual(before);
  });

  it("says which subject is missing when the schema was never registered", async () => {
    const unregistered = { ...played, topic: `${prefix}nowhere` };
    await expect(events.publish(unregistered, "k", play(), context)).rejects.toBeInstanceOf(
      SchemaNotRegisteredError,
    );
  });
});
