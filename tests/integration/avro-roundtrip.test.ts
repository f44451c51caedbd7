import { afterAll, describe, expect, inject, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { createSchemaRegistry, SchemaType } from "../../platform/registry/schema-registry.ts";
import { brokers, readTopic, testAdmin, uniqueName } from "../support/kafka.ts";

const schema = {
  type: "record",
  name: "SmokeTrackPlayed",
  namespace: "vobemusic.test",
  doc: "A play event used only by the smoke test.",
  fields: [
    { name: "trackId", type: "string", doc: "The track." },
    { name: "durationMs", type: "int", doc: "How long it played." },
    {
      name: "playedAt",
      type: { type: "long", logicalType: "timestamp-millis" },
      doc: "When it played.",
    },
  ],
};

describe("an Avro record through the real registry and broker", () => {
  const admin = testAdmin();
  const topic = uniqueName("avro");
  afterAll(async () => {
    await admin.deleteTopics([topic]);
    await admin.close();
  });

  it("is registered, produced, consumed and decoded to the same value", async () => {
    const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    expect(id).toBeGreaterThan(0);
    // Registering the same schema again is idempotent: same id.
    const again = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    expect(again.id).toBe(id);

    await admin.createTopics([{ name: topic, partitions: 3 }]);
    const event = {
      trackId: "track-42",
      durationMs: 181_000,
      playedAt: new Date(1_700_000_000_000),
    };
    const value = await registry.encode(id, event);
    // Confluent wire format: magic byte 0, then the 4-byte schema id.
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(id);

    const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests" });
    const [position] = await producer.send([{ topic, key: Buffer.from("track-42"), value }]);
    await producer.close();
    expect(position?.topic).toBe(topic);

    const [record, ...extra] = await readTopic(topic, 1);
    expect(extra).toHaveLength(0);
    expect(record?.partition).toBe(position?.partition);
    expect(record?.offset).toBe(position?.offset);
    expect(record?.key?.toString()).toBe("track-42");
    expect(await registry.decode(record?.value as Buffer)).toEqual(event);
  });

  it("refuses a value that does not match the schema, and nothing is produced", async () => {
    const registry = createSchemaRegistry(inject("endpoints").schemaRegistryUrl);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    await expect(registry.encode(id, { trackId: 42, durationMs: "long" })).rejects.toThrow();
  });
});
