import { randomUUID } from "node:crypto";
import { SchemaRegistry } from "@kafkajs/confluent-schema-registry";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { type ApplyReport, applyCatalog } from "../../schemas/apply.ts";
import { prefixedCatalog, topicConfigs } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { brokers, readTopic, testAdmin } from "../support/kafka.ts";
import { asPlainAvro, sampleEvent } from "../support/sample-events.ts";

// A copy of the whole catalog under a prefix no real topic (or other run) uses.
const prefix = `test.apply.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(prefix);
const subjects = entries.flatMap((t) => t.events.map(subjectOf));

describe("vobe topics apply, against the real broker and registry", () => {
  const admin = testAdmin();
  const apply = () =>
    applyCatalog({
      kafkaBrokers: brokers(),
      schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
      catalog: entries,
    });
  let first: ApplyReport;
  let second: ApplyReport;

  beforeAll(async () => {
    first = await apply();
    second = await apply();
  });

  afterAll(async () => {
    await admin.deleteTopics(entries.map((t) => t.name));
    await admin.close();
    const registry = registryApi(inject("endpoints").schemaRegistryUrl);
    for (const subject of subjects) await registry.deleteSubject(subject).catch(() => {});
  });

  it("creates every topic with its partitions and configs, and registers every schema", async () => {
    expect(first.created.sort()).toEqual(entries.map((t) => t.name).sort());
    expect(first.registered.map((r) => r.subject).sort()).toEqual([...subjects].sort());
    expect(first.refused).toEqual([]);
    for (const entry of entries) {
      expect(await admin.partitionCount(entry.name), entry.name).toBe(entry.partitions);
      const actual = await admin.topicConfigs(entry.name);
      for (const [name, value] of Object.entries(topicConfigs(entry, 1))) {
        expect(actual[name], `${entry.name} ${name}`).toBe(value);
      }
    }
  });

  it("changes nothing the second time", () => {
    expect(second.created).toEqual([]);
    expect(second.updated).toEqual([]);
    expect(second.unchanged.sort()).toEqual(entries.map((t) => t.name).sort());
    expect(second.registered).toEqual([]);
    expect(second.compatibilitySet).toEqual([]);
    expect(second.alreadyRegistered.sort((a, b) => a.subject.localeCompare(b.subject))).toEqual(
      [...first.registered].sort((a, b) => a.subject.localeCompare(b.subject)),
    );
  });

  it("sets every subject's compatibility level, FULL for the identity claims", async () => {
    const registry = registryApi(inject("endpoints").schemaRegistryUrl);
    for (const entry of entries) {
      for (const event of entry.events) {
        expect(await registry.subjectCompatibility(subjectOf(event))).toBe(entry.compatibility);
      }
    }
    expect(entries.find((t) => t.name.endsWith("auth.identity-claims"))?.compatibility).toBe(
      "FULL",
    );
  });

  it("puts back a topic config someone changed, and reports it", async () => {
    const [entry] = entries;
    if (!entry) throw new Error("empty catalog");
    await admin.setTopicConfigs(entry.name, { "retention.ms": "3600000" });
    const report = await apply();
    expect(report.updated).toEqual([
      { topic: entry.name, changes: [{ name: "retention.ms", from: "3600000", to: "-1" }] },
    ]);
    expect((await admin.topicConfigs(entry.name))["retention.ms"]).toBe("-1");
  });

  it("lets an analyst decode one record of each topic with a plain registry client", async () => {
    const url = inject("endpoints").schemaRegistryUrl;
    const platform = createSchemaRegistry(url);
    const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests" });
    const written = new Map<string, Record<string, unknown>>();
    try {
      for (const entry of entries) {
        const [event] = entry.events;
        if (!event) throw new Error(`${entry.name} carries no events`);
        const value = sampleEvent(event.schema);
        const id = first.registered.find((r) => r.subject === subjectOf(event))?.id as number;
        const key = String(value[event.schema.fields[3]?.name ?? "eventId"]);
        await producer.send([
          { topic: entry.name, key: Buffer.from(key), value: await platform.encode(id, value) },
        ]);
        written.set(entry.name, value);
      }
    } finally {
      await producer.close();
    }

    // Only the URL: no logical types, no project code, as an analyst's notebook would do.
    const analyst = new SchemaRegistry({ host: url });
    for (const entry of entries) {
      const [record, ...extra] = await readTopic(entry.name, 1, { settleMs: 200 });
      expect(extra, entry.name).toHaveLength(0);
      const value = written.get(entry.name);
      expect(await analyst.decode(record?.value as Buffer), entry.name).toEqual(asPlainAvro(value));
      expect(await platform.decode(record?.value as Buffer), entry.name).toEqual(value);
    }
  });
});
