import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeTopic } from "../../ops/topics/describe.ts";
import { type DecodedRecord, fieldFilter, keyFilter, readTopic } from "../../ops/topics/read.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { FeedbackSubmitted } from "../../schemas/generated/feedback.ts";
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
 * `vobe topics tail | describe` against the real broker and registry: decoded records from
 * a place (start, offset, time), filtered by key and by field, and bounded by matches,
 * records scanned or time; a record that cannot be decoded is shown as such, not fatal.
 */
describe("vobe topics: tail and describe", () => {
  const endpoints = inject("endpoints");
  const testRun = sinkTestRun(endpoints, "topics");
  const type = prefixed(testRun, FeedbackSubmitted);
  const topic = type.topic;
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-topics" });
  const fetcher = createFetcher({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-topics" });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const { producer, events } = testEvents(testRun);
  const ids: string[] = [];
  let midpoint = 0;

  const read = async (options: Partial<Parameters<typeof readTopic>[2]> = {}) => {
    const seen: DecodedRecord[] = [];
    const summary = await readTopic(
      admin,
      fetcher,
      {
        topic,
        from: { at: "earliest" },
        follow: false,
        decode: (v) => registry.decode(v),
        ...options,
      },
      (r) => {
        seen.push(r);
      },
    );
    return { seen, summary };
  };

  beforeAll(async () => {
    await applyTopics(testRun, [feedbackView]);
    for (let i = 0; i < 30; i++) {
      if (i === 20) {
        await new Promise((r) => setTimeout(r, 50));
        midpoint = Date.now();
        await new Promise((r) => setTimeout(r, 50));
      }
      const feedbackId = randomUUID();
      ids.push(feedbackId);
      await events.publish(
        type,
        feedbackId,
        {
          feedbackId,
          userId: null,
          category: i % 3 === 0 ? "bug" : "idea",
          message: `message ${i}`,
          page: null,
        },
        context,
      );
    }
    // A record no consumer can decode, between the others.
    const raw = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-topics" });
    await raw.send([{ topic, key: Buffer.from("garbage"), value: Buffer.from("not avro") }]);
    await raw.close();
  }, 120_000);

  afterAll(async () => {
    await producer.close();
    await Promise.all([fetcher.close()]);
    await admin.close();
    await cleanup(testRun, [feedbackView]);
  });

  it("reads from the start to the end it found, decoding each record", async () => {
    const { seen, summary } = await read();
    expect(summary).toMatchObject({ scanned: 31, matched: 31, stopped: "end" });
    const decoded = seen.filter((r) => r.undecodable === undefined);
    expect(decoded.map((r) => (r.value as { feedbackId: string }).feedbackId).sort()).toEqual(
      [...ids].sort(),
    );
    expect(decoded.every((r) => r.eventType === FeedbackSubmitted.name)).toBe(true);
    const garbage = seen.find((r) => r.record.key?.toString() === "garbage");
    expect(garbage?.undecodable).toBeTruthy();
  });

  it("filters by key and by field, and stops at its bounds", async () => {
    const byKey = await read({ matches: keyFilter(ids[7] as string) });
    expect(byKey.seen.map((r) => (r.value as { message: string }).message)).toEqual(["message 7"]);

    const bugs = await read({ matches: fieldFilter("category=bug") });
    expect(bugs.seen).toHaveLength(10);
    const nested = await read({ matches: fieldFilter("actor.role=system") });
    expect(nested.seen).toHaveLength(30);

    const two = await read({ matches: fieldFilter("category=bug"), maxMatches: 2 });
    expect(two.summary).toMatchObject({ matched: 2, stopped: "max-matches" });
    const scanned = await read({ matches: fieldFilter("category=none"), maxScanned: 5 });
    expect(scanned.summary).toMatchObject({ scanned: 5, matched: 0, stopped: "max-scanned" });
  });

  it("starts at a time or an offset", async () => {
    const late = await read({ from: { at: "time", ms: midpoint } });
    const messages = late.seen
      .filter((r) => r.undecodable === undefined)
      .map((r) => Number((r.value as { message: string }).message.split(" ")[1]));
    expect(messages.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));

    const all = await read();
    const perPartition = new Map<number, number>();
    for (const r of all.seen) {
      perPartition.set(r.record.partition, (perPartition.get(r.record.partition) ?? 0) + 1);
    }
    const fromFive = await read({ from: { at: "offset", offset: 5n } });
    expect(fromFive.seen.every((r) => r.record.offset >= 5n)).toBe(true);
    expect(fromFive.summary.scanned).toBe(
      [...perPartition.values()].reduce((sum, n) => sum + Math.max(0, n - 5), 0),
    );

    const atEnd = await read({ from: { at: "latest" } });
    expect(atEnd.summary).toMatchObject({ scanned: 0, stopped: "end" });
    const following = await read({
      from: { at: "latest" },
      follow: true,
      deadline: Date.now() + 1_500,
    });
    expect(following.summary.stopped).toBe("deadline");
  });

  it("describe: offsets per partition; a topic that does not exist is named", async () => {
    const detail = await describeTopic(admin, topic, undefined);
    expect(detail.records).toBe(31n);
    expect(detail.offsets.map((o) => o.first)).toEqual(detail.offsets.map(() => 0n));
    await expect(describeTopic(admin, `${topic}.nope`, undefined)).rejects.toThrow(/^no topic /);
  });

  it("the command: NDJSON of the matching records", async () => {
    const env = { ...process.env, ...cliEnv(endpoints, {}) };
    const { stdout } = await run(
      "./vobe",
      [
        "topics",
        "tail",
        topic,
        "--from",
        "earliest",
        "--where",
        "category=bug",
        "--max",
        "3",
        "--json",
      ],
      { env },
    );
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      topic,
      eventType: FeedbackSubmitted.name,
      value: { category: "bug" },
    });
  }, 120_000);
});
