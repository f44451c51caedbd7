// A backlog is processed in bounded slices (ADR-016): the runtime commits in the middle of
// a large fetch, lets the event loop run while it works, and stop() returns with the
// backlog still pending, having committed exactly what it processed. Nothing here is
// timed: the tests count records per commit and what the event loop saw.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createGroupMember,
  createProducer,
  type OutRecord,
  partitionKey,
} from "../../platform/kafka/index.ts";
import { Serdes, StreamsBuilder } from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import { readAll, transactionsThrough } from "../support/streams.ts";

const BACKLOG = 120_000;
const PARTITIONS = 2;

/** The real producer; remembers how many records each transaction carried. */
function recordingProducer() {
  const perCommit: number[] = [];
  const supplier = transactionsThrough(async (start) => {
    const tx = await start();
    let records = 0;
    return {
      ...tx,
      async send(batch) {
        records += batch.length;
        return tx.send(batch);
      },
      async commit() {
        await tx.commit();
        perCommit.push(records);
      },
    };
  });
  return { supplier, perCommit };
}

function passThrough(input: string, output: string) {
  const builder = new StreamsBuilder();
  builder
    .stream<string, string>(input, { keySerde: Serdes.string(), valueSerde: Serdes.string() })
    .to(output);
  return builder.build();
}

async function processedOf(app: StreamsApp): Promise<number> {
  const metric = await app.metrics.processed.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

describe("catching up from a backlog", () => {
  const admin = testAdmin();
  const input = uniqueName("catchup-in");
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-catchup-"));
  const applicationId = uniqueName("catchup-app").replaceAll(".", "-");
  const outputs: string[] = [];

  beforeAll(async () => {
    await admin.createTopics([{ name: input, partitions: PARTITIONS }]);
    const producer = createProducer({ brokers: brokers(), clientId: "catchup-input" });
    try {
      for (let sent = 0; sent < BACKLOG; ) {
        const batch: OutRecord[] = [];
        for (let i = 0; i < 10_000; i++, sent++) {
          batch.push({
            topic: input,
            key: Buffer.from(`k${sent % 97}`),
            value: Buffer.from(`v${sent}`),
          });
        }
        await producer.send(batch);
      }
    } finally {
      await producer.close();
    }
  }, 60_000);
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([
      input,
      ...outputs,
      ...topics.filter((t) => t.startsWith(applicationId)),
    ]);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function newOutput(name: string): Promise<string> {
    const output = `${input}-${name}`;
    await admin.createTopics([{ name: output, partitions: PARTITIONS }]);
    outputs.push(output);
    return output;
  }

  async function committedInput(groupId: string): Promise<bigint> {
    const probe = createGroupMember({
      brokers: brokers(),
      clientId: `${groupId}-probe`,
      groupId,
      topics: [],
      assignor: () => new Map(),
    });
    try {
      const tps = Array.from({ length: PARTITIONS }, (_, partition) => ({
        topic: input,
        partition,
      }));
      const committed = await probe.committedOffsets(tps);
      return tps.reduce((sum, tp) => sum + (committed.get(partitionKey(tp)) ?? 0n), 0n);
    } finally {
      await probe.leave();
    }
  }

  /** Committed records (end offsets would count the transactions' markers too). */
  const outputCount = async (topic: string) => BigInt((await readAll(topic)).length);

  /** Every distinct processed count a timer sees while `app` works (stop with the flag). */
  function watch(app: StreamsApp) {
    const seen = new Set<number>();
    let ticking = true;
    const done = (async () => {
      while (ticking) {
        seen.add(await processedOf(app));
        await sleep(2);
      }
    })();
    return {
      seen,
      stop: async () => {
        ticking = false;
        await done;
      },
    };
  }

  it("commits in the middle of a fetch once maxBufferedRecords are waiting, and lets the event loop run meanwhile", async () => {
    const output = await newOutput("bounded");
    const recorder = recordingProducer();
    const app = new StreamsApp(
      passThrough(input, output),
      {
        applicationId: `${applicationId}-bounded`,
        brokers: brokers(),
        processingGuarantee: "exactly_once",
        stateDir,
        instanceId: "a",
        // Only the buffer size may trigger commits: a fetch holds tens of thousands.
        commitIntervalMs: 600_000,
        maxBufferedRecords: 2_000,
      },
      recorder.supplier,
    );
    const timer = watch(app);
    await app.start();
    try {
      for (let i = 0; i < 6_000 && (await processedOf(app)) < BACKLOG; i++) await sleep(10);
    } finally {
      await timer.stop();
      await app.stop();
    }
    expect(await processedOf(app)).toBe(BACKLOG);
    // A timer kept running while the backlog was worked through (a fetch holds up to
    // ~60,000 records here; processed whole, a timer could see little more than its end).
    const between = [...timer.seen].filter((n) => n > 0 && n < BACKLOG);
    expect(between.length).toBeGreaterThanOrEqual(5);
    expect(await outputCount(output)).toBe(BigInt(BACKLOG));
    // Checked every 64 records: a commit never carries much more than the limit. A whole
    // fetch per commit carried up to ~60,000 here.
    expect(Math.max(...recorder.perCommit)).toBeLessThanOrEqual(2_000 + 64);
    expect(recorder.perCommit.length).toBeGreaterThanOrEqual(BACKLOG / (2_000 + 64));
  }, 120_000);

  it("stop() returns mid-backlog, having committed exactly what it processed", async () => {
    const output = await newOutput("stop");
    const groupId = `${applicationId}-stop`;
    const config = {
      applicationId: groupId,
      brokers: brokers(),
      processingGuarantee: "exactly_once" as const,
      stateDir,
      instanceId: "b",
      commitIntervalMs: 100,
    };
    const app = new StreamsApp(passThrough(input, output), config);
    await app.start();
    try {
      while ((await processedOf(app)) < BACKLOG / 4) await sleep(1);
    } finally {
      await app.stop();
    }
    const processed = await processedOf(app);
    const committed = await committedInput(groupId);
    // Stopped with most of the backlog left, everything processed committed, and the
    // outputs committed with exactly the offsets that produced them.
    expect(processed).toBeLessThan(BACKLOG);
    expect(committed).toBe(BigInt(processed));
    expect(await outputCount(output)).toBe(committed);

    // A new instance takes up from there: every input once in the output.
    const next = new StreamsApp(passThrough(input, output), { ...config, instanceId: "c" });
    await next.start();
    try {
      for (let i = 0; i < 600 && (await outputCount(output)) < BigInt(BACKLOG); i++) {
        await sleep(100);
      }
    } finally {
      await next.stop();
    }
    expect(await outputCount(output)).toBe(BigInt(BACKLOG));
    expect(await committedInput(groupId)).toBe(BigInt(BACKLOG));
  }, 120_000);
});
