import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditTopic } from "../../ops/audit/audit.ts";
import { readLetters } from "../../ops/dlq/letters.ts";
import { resolveLetters } from "../../ops/dlq/resolve.ts";
import { readTopic } from "../../ops/topics/read.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { FeedbackSubmitted } from "../../schemas/generated/feedback.ts";
import { OperatorActionTaken } from "../../schemas/generated/ops.ts";
import { dlqHeaders } from "../../sinks/engine/dlq.ts";
import { feedbackView } from "../../sinks/postgres/feedback/view.ts";
import { cliEnv } from "../support/platform-children.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  sinkTestRun,
  testEvents,
} from "../support/sinks-fixtures.ts";

const run = promisify(execFile);

/**
 * Dead letters against the real broker: letters of a view's sink and of a streams
 * application read into one shape, grouped by error; a replay writes the original record
 * back to its topic with its audit event in one transaction, once per letter even when two
 * replays race; a skip is recorded and respected; a dry run writes nothing.
 */
describe("vobe dlq", () => {
  const endpoints = inject("endpoints");
  const testRun = sinkTestRun(endpoints, "dlq");
  const prefix = testRun.topicPrefix;
  const origin = prefixed(testRun, FeedbackSubmitted).topic;
  const viewDlq = `${prefix}feedback-dlq`;
  const appDlq = `${prefix}vobe-some-app-dlq`;
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-dlq" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-dlq" });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const decode = (v: Buffer) => registry.decode(v);
  const { producer, events } = testEvents(testRun);
  const raw = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-dlq" });
  const lines: string[] = [];
  const base = {
    endpoints,
    admin,
    fetcher,
    decode,
    topicPrefix: prefix,
    log: (l: string) => lines.push(l),
  };
  const feedbackIds: string[] = [];

  const endOf = async (topic: string) =>
    (await admin.endOffsets(topic, "read_committed")).reduce((a, b) => a + b, 0n);
  const audit = async () => {
    const found: Array<Record<string, unknown>> = [];
    await readTopic(
      admin,
      fetcher,
      { topic: auditTopic(prefix), from: { at: "earliest" }, follow: false, decode },
      (r) => {
        found.push(r.value as Record<string, unknown>);
      },
    );
    return found;
  };

  beforeAll(async () => {
    await applyTopics(testRun, [feedbackView]);
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: prefixedCatalog(
        prefix,
        catalog.filter((t) => t.name === "ops.audit"),
      ),
    });
    await admin.createTopics([
      { name: viewDlq, partitions: 1 },
      { name: appDlq, partitions: 1 },
    ]);
    // Three valid events whose records a sink "refused": their bytes go to the view's DLQ
    // the way sinks/engine/dlq.ts writes them, and the originals are deleted nowhere.
    for (let i = 0; i < 3; i++) {
      const feedbackId = randomUUID();
      feedbackIds.push(feedbackId);
      await events.publish(
        prefixed(testRun, FeedbackSubmitted),
        feedbackId,
        { feedbackId, userId: null, category: "bug", message: `refused ${i}`, page: null },
        context,
      );
    }
    const originals: Array<{
      key: Buffer | null;
      value: Buffer | null;
      headers: Map<string, Buffer>;
      offset: bigint;
      partition: number;
    }> = [];
    await readTopic(
      admin,
      fetcher,
      { topic: origin, from: { at: "earliest" }, follow: false, decode },
      (r) => {
        originals.push({
          key: r.record.key,
          value: r.record.value,
          headers: r.record.headers,
          offset: r.record.offset,
          partition: r.record.partition,
        });
      },
    );
    await raw.send(
      originals.map((o, i) => ({
        topic: viewDlq,
        key: o.key,
        value: o.value,
        headers: {
          ...Object.fromEntries(o.headers),
          [dlqHeaders.error]: `relation "items" is locked by transaction ${4711 + i}`,
          [dlqHeaders.kind]: "rejected",
          [dlqHeaders.view]: "feedback",
          [dlqHeaders.topic]: origin,
          [dlqHeaders.partition]: String(o.partition),
          [dlqHeaders.offset]: String(o.offset),
          [dlqHeaders.timestamp]: "0",
        },
      })),
    );
    await raw.send([
      {
        topic: appDlq,
        key: Buffer.from("k"),
        value: Buffer.from("not avro"),
        headers: {
          "vobe.error.stage": "deserialize",
          "vobe.error.node": "KSTREAM-SOURCE-0000000000",
          "vobe.error.message": "unknown magic byte",
          "vobe.origin.topic": origin,
          "vobe.origin.partition": "0",
          "vobe.origin.offset": "12",
        },
      },
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([producer.close(), raw.close(), fetcher.close()]);
    await admin.close();
    // Every topic under the prefix (the DLQs and the audit topic too) goes with the run.
    await cleanup(testRun, [feedbackView]);
    await registryApi(endpoints.schemaRegistryUrl)
      .deleteSubject(`${auditTopic(prefix)}-${OperatorActionTaken.name}`)
      .catch(() => {});
  });

  it("reads letters of views and applications into one shape, without the dead-letter headers", async () => {
    const [letter] = await readLetters(admin, fetcher, viewDlq);
    expect(letter).toMatchObject({
      source: { kind: "view", name: "feedback" },
      stage: "rejected",
      origin: { topic: origin },
    });
    expect([...(letter?.original.headers.keys() ?? [])].some((k) => k.startsWith("dlq-"))).toBe(
      false,
    );
    expect(letter?.original.headers.get("event-type")?.toString()).toBe(FeedbackSubmitted.name);
    const [appLetter] = await readLetters(admin, fetcher, appDlq);
    expect(appLetter).toMatchObject({
      source: { kind: "application", name: `${prefix}vobe-some-app` },
      stage: "deserialize",
      error: "KSTREAM-SOURCE-0000000000: unknown magic byte",
      origin: { topic: origin, partition: 0, offset: 12n },
    });
  });

  it("a dry run writes nothing; a replay writes the original back with its audit event, once", async () => {
    const letters = await readLetters(admin, fetcher, viewDlq);
    const first = letters.slice(0, 1);
    const [originEnd, auditEnd] = [await endOf(origin), await endOf(auditTopic(prefix))];
    const dry = await resolveLetters("dlq.replay", first, { ...base, reason: "dry", dryRun: true });
    expect(dry.done).toHaveLength(1);
    expect([await endOf(origin), await endOf(auditTopic(prefix))]).toEqual([originEnd, auditEnd]);

    const replayed = await resolveLetters("dlq.replay", first, {
      ...base,
      reason: "lock released",
    });
    expect(replayed.done).toHaveLength(1);
    const to = replayed.done[0]?.to;
    expect(to?.topic).toBe(origin);
    // The record written back is the original: same key, same bytes, same event id.
    const back: Array<{ key?: string; value: unknown; eventId?: string }> = [];
    await readTopic(
      admin,
      fetcher,
      {
        topic: origin,
        partitions: [to?.partition as number],
        from: { at: "offset", offset: to?.offset as bigint },
        follow: false,
        decode,
        maxMatches: 1,
      },
      (r) => {
        back.push({
          key: r.record.key?.toString(),
          value: r.value,
          eventId: r.record.headers.get("event-id")?.toString(),
        });
      },
    );
    expect(back[0]?.key).toBe(first[0]?.original.key?.toString());
    expect(back[0]?.eventId).toBe(first[0]?.original.headers.get("event-id")?.toString());

    const again = await resolveLetters("dlq.replay", first, { ...base, reason: "again" });
    expect(again).toMatchObject({ done: [], already: [first[0]?.id] });
    const entries = (await audit()).filter((e) => e.target === first[0]?.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "dlq.replay",
      reason: "lock released",
      actor: { role: "operator" },
    });
    const details = entries[0]?.details as Array<{ name: string; value: string }>;
    expect(Object.fromEntries(details.map((d) => [d.name, d.value]))).toMatchObject({
      replayedTo: `${to?.topic}:${to?.partition}:${to?.offset}`,
      source: "view feedback",
    });
    expect(String(entries[0]?.operator)).toMatch(/@/);
  }, 120_000);

  it("two replays racing for the same letters write each one once", async () => {
    const letters = (await readLetters(admin, fetcher, viewDlq)).slice(1, 2);
    const before = await endOf(origin);
    const results = await Promise.allSettled([
      resolveLetters("dlq.replay", letters, { ...base, reason: "race a" }),
      resolveLetters("dlq.replay", letters, { ...base, reason: "race b" }),
    ]);
    // One may be fenced by the other's start (it then wrote nothing); never both write.
    const done = results.flatMap((r) => (r.status === "fulfilled" ? r.value.done : []));
    expect(done.length).toBeLessThanOrEqual(1);
    const entries = (await audit()).filter((e) => e.target === letters[0]?.id);
    expect(entries.length).toBeLessThanOrEqual(1);
    // Whatever the race did, a replay run now completes the letter exactly once.
    await resolveLetters("dlq.replay", letters, { ...base, reason: "after the race" });
    expect((await audit()).filter((e) => e.target === letters[0]?.id)).toHaveLength(1);
    // Origin topic: one record more, plus transaction markers (each commit writes one per partition).
    const originRecords: string[] = [];
    await readTopic(
      admin,
      fetcher,
      { topic: origin, from: { at: "earliest" }, follow: false, decode },
      (r) => {
        originRecords.push(r.record.headers.get("event-id")?.toString() ?? "");
      },
    );
    const eventId = letters[0]?.original.headers.get("event-id")?.toString();
    expect(originRecords.filter((id) => id === eventId)).toHaveLength(2);
    expect(await endOf(origin)).toBeGreaterThan(before);
  }, 120_000);

  it("a skipped letter is recorded, listed as skipped, and a later replay of all leaves it alone", async () => {
    const letters = await readLetters(admin, fetcher, viewDlq);
    const third = letters[2];
    await resolveLetters("dlq.skip", [third as (typeof letters)[number]], {
      ...base,
      reason: "a duplicate of an old bug",
    });
    const all = await resolveLetters("dlq.replay", letters, {
      ...base,
      reason: "replay everything",
    });
    expect(all.done).toEqual([]);
    expect(all.already.sort()).toEqual(letters.map((l) => l.id).sort());

    const env = { ...process.env, ...cliEnv(endpoints, {}) };
    const { stdout } = await run("./vobe", ["dlq", "list", "--prefix", prefix, "--json"], { env });
    const groups = JSON.parse(stdout) as Array<{
      source: string;
      error: string;
      count: number;
      pending: number;
      replayed: number;
      skipped: number;
    }>;
    const feedback = groups.find((g) => g.source === "view feedback");
    // Three errors that differ only by a number are one group.
    expect(feedback).toMatchObject({ count: 3, pending: 0, replayed: 2, skipped: 1 });
    expect(feedback?.error).toBe('relation "…" is locked by transaction <n>');
    expect(groups.find((g) => g.source.startsWith("application"))).toMatchObject({
      count: 1,
      pending: 1,
    });

    const refused = await run("./vobe", ["dlq", "replay", appDlq, "--all", "--prefix", prefix], {
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toMatch(/say why with --reason/);
  }, 180_000);
});
