import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { countingTopology } from "../support/fixtures/counting-topology.ts";
import { brokers, testAdmin, uniqueName } from "../support/kafka.ts";
import {
  CountingInput,
  decodeLong,
  eventually,
  expectFinalCounts,
  readAll,
  transactionsThrough,
  valuesByKey,
} from "../support/streams.ts";

const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);

/**
 * The real producer, except that the answer to some commits is lost: the transaction
 * commits on the broker and the caller is told it failed (a timeout after EndTxn reached
 * the coordinator looks exactly like this).
 */
function losingCommitAnswers(lose: (commit: number) => boolean) {
  let commits = 0;
  let lost = 0;
  const supplier = transactionsThrough(async (start) => {
    const tx = await start();
    return {
      ...tx,
      async commit() {
        await tx.commit();
        if (lose(++commits)) {
          lost += 1;
          throw new Error("the answer to EndTxn was lost (test)");
        }
      },
    };
  });
  return { supplier, lost: () => lost };
}

describe("a transactional commit that succeeded but answered with an error", () => {
  const admin = testAdmin();
  const input = uniqueName("lost-in");
  const output = uniqueName("lost-out");
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-state-"));
  const applicationId = uniqueName("lost-app").replaceAll(".", "-");
  let feed: CountingInput;

  beforeAll(async () => {
    await admin.createTopics([
      { name: input, partitions: 2 },
      { name: output, partitions: 2 },
    ]);
    feed = new CountingInput(input, keys);
  });
  afterAll(async () => {
    const topics = await admin.listTopics();
    await admin.deleteTopics([input, output, ...topics.filter((t) => t.startsWith(applicationId))]);
    await admin.close();
    await feed.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it.each([false, true])(
    "keeps every count exact (persistent store: %s)",
    async (persistent) => {
      const out = `${output}-${persistent}`;
      await admin.createTopics([{ name: out, partitions: 2 }]);
      // Every other commit's answer is lost, while records keep arriving.
      const faults = losingCommitAnswers((n) => n % 2 === 0);
      const app = new StreamsApp(
        countingTopology(input, out, persistent),
        {
          applicationId: `${applicationId}-${persistent}`,
          brokers: brokers(),
          processingGuarantee: "exactly_once",
          stateDir,
          instanceId: "a",
          commitIntervalMs: 50,
        },
        faults.supplier,
      );
      await app.start();
      for (let i = 0; i < 10; i++) {
        await feed.produce(50);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const counted = await eventually(
        async () => valuesByKey(await readAll(out), decodeLong),
        feed.counted,
      );
      await app.stop();
      expectFinalCounts(counted, feed.expected);
      expect(faults.lost()).toBeGreaterThan(1);
    },
    60_000,
  );
});
