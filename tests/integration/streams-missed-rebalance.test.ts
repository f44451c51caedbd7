import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
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

const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);

type GateAt = "before the transaction" | "after the transaction committed";

/**
 * The real producer, except that one commit can be held at a gate: before its
 * transaction starts, or after it has committed. The process stays responsive while it
 * waits (its group membership heartbeats and rejoins), as it does in a slow commit on a
 * loaded machine; only its processing loop is held.
 */
function gatedCommits(at: GateAt) {
  let armed = false;
  let reached!: () => void;
  const atGate = new Promise<void>((resolve) => {
    reached = resolve;
  });
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const hold = async () => {
    if (!armed) return;
    armed = false;
    reached();
    await opened;
  };
  const supplier = transactionsThrough(async (start) => {
    if (at === "before the transaction") await hold();
    const tx = await start();
    return {
      ...tx,
      async commit() {
        await tx.commit();
        if (at === "after the transaction committed") await hold();
      },
    };
  });
  return {
    supplier,
    arm: () => {
      armed = true;
    },
    atGate,
    open: () => open(),
  };
}

describe("an instance whose loop was held through two rebalances", { timeout: 300_000 }, () => {
  const admin = testAdmin();
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-missed-"));
  const runs: Array<{ input: string; output: string; applicationId: string }> = [];

  afterAll(async () => {
    const topics = await admin.listTopics();
    for (const { input, output, applicationId } of runs) {
      await admin.deleteTopics([
        input,
        output,
        ...topics.filter((t) => t.startsWith(applicationId)),
      ]);
    }
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  // While `first` is held, `second` joins (taking half the tasks), processes and commits
  // them, and leaves (giving them back). `first`'s member follows both rebalances in the
  // background; its loop sees them only when the commit returns. Its state of the tasks
  // that were away is behind `second`'s work, and the offsets it holds are `second`'s.
  it.each<GateAt>(["before the transaction", "after the transaction committed"])(
    "a commit held %s: no count lost or repeated",
    async (at) => {
      const input = uniqueName("missed-in");
      const output = uniqueName("missed-out");
      const applicationId = uniqueName("missed-app").replaceAll(".", "-");
      runs.push({ input, output, applicationId });
      await admin.createTopics([
        { name: input, partitions: 4 },
        { name: output, partitions: 4 },
      ]);
      const gate = gatedCommits(at);
      const app = (instanceId: string, supplier?: typeof gate.supplier) =>
        new StreamsApp(
          countingTopology(input, output, true),
          {
            applicationId,
            brokers: brokers(),
            processingGuarantee: "exactly_once",
            stateDir: join(stateDir, instanceId),
            instanceId,
            endpoint: `${instanceId}.example:8080`,
          },
          supplier,
        );
      const feed = new CountingInput(input, keys);
      const outputs = async () => valuesByKey(await readAll(output), decodeLong);

      const first = app("first", gate.supplier);
      await first.start();
      await feed.produce(200);
      await eventually(outputs, feed.counted, 60_000);

      gate.arm();
      await feed.produce(200);
      await gate.atGate;

      const second = app("second");
      await second.start();
      expect(second.localTasks()).toHaveLength(2);
      const secondKeys: string[] = [];
      for (const key of keys) {
        if ((await second.metadataForKey("counts", Buffer.from(key))).local) secondKeys.push(key);
      }
      expect(secondKeys.length).toBeGreaterThan(0);
      await feed.produce(200);
      const secondsExpected = new Map(secondKeys.map((k) => [k, feed.expected.get(k) ?? 0]));
      await eventually(
        async () =>
          new Map(
            secondKeys.map((k) => [k, second.keyValueStore<string, number>("counts").get(k)]),
          ),
        (counts) => [...secondsExpected].every(([k, n]) => counts.get(k) === n),
        60_000,
      );
      await second.stop();
      // The group hands everything back to `first` (its member rejoins on its own).
      await eventually(
        () => admin.groupMembers(applicationId),
        (members) => members.length === 1 && members[0]?.partitions.length === 4,
        60_000,
      );
      await sleep(1_500);

      gate.open();
      await feed.produce(200);
      await feed.close();
      const final = await eventually(outputs, feed.counted, 60_000);
      expectFinalCounts(final, feed.expected);
      await eventually(
        async () => first.localTasks().length,
        (n) => n === 4,
        30_000,
      );
      for (const [key, n] of feed.expected) {
        expect(first.keyValueStore<string, number>("counts").get(key), key).toBe(n);
      }
      await first.stop();
    },
  );
});
