import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ageLag } from "../../ops/lag/age.ts";
import { sampleLag, type ViewVersionConsumer } from "../../ops/lag/positions.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import {
  createConsumer,
  createFetcher,
  createProducer,
  type Fetcher,
  type KafkaAdmin,
} from "../../platform/kafka/index.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { cliEnv } from "../support/platform-children.ts";

const run = promisify(execFile);

/**
 * `vobe lag` measures against a real broker and a real Postgres: records behind from a
 * group's committed offsets or a view version's sink_offsets, seconds behind from the
 * event time of the oldest unread record, and a partition whose only unread offset is a
 * transaction marker counted as caught up.
 */
describe("lag", () => {
  const endpoints = inject("endpoints");
  let admin: KafkaAdmin;
  let fetcher: Fetcher;
  let pool: Pool;
  const topic = uniqueName("lag-in");
  const txTopic = uniqueName("lag-tx");
  const schema = `test_lag_${Math.random().toString(36).slice(2, 8)}`;
  const writtenAt = Date.now() - 120_000;

  beforeAll(async () => {
    admin = testAdmin();
    fetcher = createFetcher({ brokers: brokers(), clientId: "vobe-tests-lag" });
    await admin.createTopics([
      { name: topic, partitions: 1 },
      { name: txTopic, partitions: 1 },
    ]);
    const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-lag" });
    await producer.send(
      Array.from({ length: 10 }, (_, i) => ({
        topic,
        key: Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}`),
        timestamp: BigInt(writtenAt + i * 1000),
      })),
    );
    await producer.close();
    pool = createPool(databaseUrlFor(endpoints, "postgres"), 2);
  });

  afterAll(async () => {
    await admin?.deleteTopics([topic, txTopic]).catch(() => {});
    await pool?.query(`drop schema if exists ${schema} cascade`).catch(() => {});
    await Promise.all([admin?.close(), fetcher?.close(), pool?.end()]);
  });

  const consumeAndCommit = async (groupId: string, from: string, count: number) => {
    const consumer = createConsumer({
      brokers: brokers(),
      clientId: "vobe-tests-lag",
      groupId,
      startFrom: "earliest",
    });
    try {
      const seen = [];
      for await (const record of consumer.records([from])) {
        seen.push(record);
        if (seen.length === count) break;
      }
      await consumer.commit(seen);
    } finally {
      await consumer.close();
    }
  };

  it("an application: records and seconds behind from its committed offsets", async () => {
    const groupId = uniqueName("lag-group");
    await consumeAndCommit(groupId, topic, 4);
    const consumer = { kind: "application" as const, name: "lagging", groupId, inputs: [topic] };
    const [lag] = await ageLag(fetcher, await sampleLag(admin, [consumer]), Date.now());
    expect(lag?.behind).toBe(6n);
    expect(lag?.partitions).toMatchObject([{ topic, partition: 0, next: 4n, end: 10n }]);
    // The oldest unread record is the fifth, written ~116 s ago by its event time.
    expect(lag?.partitions[0]?.oldestUnreadAt).toBe(writtenAt + 4000);
    expect(lag?.secondsBehind).toBeGreaterThanOrEqual(116);
    expect(lag?.secondsBehind).toBeLessThan(600);

    const fresh = { ...consumer, name: "never-ran", groupId: uniqueName("lag-none") };
    const [none] = await sampleLag(admin, [fresh]);
    expect(none?.behind).toBe(10n);
  });

  it("an offset that is only a transaction marker is not behind", async () => {
    const producer = createProducer({
      brokers: brokers(),
      clientId: "vobe-tests-lag-tx",
      transactionalId: uniqueName("lag-tx"),
    });
    try {
      const tx = await producer.transaction();
      await tx.send([{ topic: txTopic, key: Buffer.from("k"), value: Buffer.from("v") }]);
      await tx.commit();
    } finally {
      await producer.close();
    }
    const groupId = uniqueName("lag-tx-group");
    await consumeAndCommit(groupId, txTopic, 1);
    const consumer = { kind: "application" as const, name: "tx", groupId, inputs: [txTopic] };
    const sampled = await sampleLag(admin, [consumer]);
    // Offset 1 is the commit marker: the end is 2, the group's next offset is 1.
    expect(sampled[0]?.behind).toBe(1n);
    const [aged] = await ageLag(fetcher, sampled, Date.now());
    expect(aged?.behind).toBe(0n);
    expect(aged?.secondsBehind).toBe(0);
  });

  it("a view version: positions from its sink_offsets; a topic that does not exist is named", async () => {
    await pool.query(`create schema ${schema}`);
    await pool.query(
      `create table ${schema}.sink_offsets (topic text, partition int, next_offset bigint)`,
    );
    await pool.query(`insert into ${schema}.sink_offsets values ($1, 0, 7)`, [topic]);
    const missing = uniqueName("lag-missing");
    const view: ViewVersionConsumer = {
      kind: "view",
      name: "test",
      version: 1,
      state: "live",
      schema,
      pool,
      topics: [topic, missing],
    };
    const [lag] = await ageLag(fetcher, await sampleLag(admin, [view]), Date.now());
    expect(lag?.behind).toBe(3n);
    expect(lag?.partitions[0]?.oldestUnreadAt).toBe(writtenAt + 7000);
    expect(lag?.missingTopics).toEqual([missing]);
  });

  it("the command prints JSON for every application and view, and a clear error without Kafka", async () => {
    const env = { ...process.env, ...cliEnv(endpoints, {}) };
    const { stdout } = await run("./vobe", ["lag", "--json", "--sample", "0"], { env });
    const report = JSON.parse(stdout) as { consumers: Array<{ kind: string; name: string }> };
    expect(report.consumers.filter((c) => c.kind === "application").map((c) => c.name)).toContain(
      "plays-per-track",
    );

    const down = await run("./vobe", ["lag", "--sample", "0"], {
      env: { ...env, KAFKA_BROKERS: "127.0.0.1:1" },
    }).catch((error: { code: number; stderr: string }) => error);
    expect("code" in down && down.code).toBe(1);
    expect((down as { stderr: string }).stderr).toMatch(/^vobe: /);
    expect((down as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
  }, 180_000);
});
