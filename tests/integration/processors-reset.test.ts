import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applicationIdOf, createProcessorApp } from "../../processors/apps/index.ts";
import { resetApplications } from "../../processors/apps/reset.ts";
import { brokers, testAdmin } from "../support/kafka.ts";
import { playsWorld } from "../support/processors-plays.ts";
import { eventually, readAll } from "../support/streams.ts";

// vobe processors reset: the next start reprocesses from offset 0 and rebuilds its state.
describe("resetting a streams application", () => {
  const world = playsWorld(inject("endpoints"), "processors-reset");
  const applicationId = applicationIdOf("plays-per-track", world.prefix);
  const admin = testAdmin();
  const start = async () => {
    const processor = await createProcessorApp("plays-per-track", {
      brokers: brokers(),
      schemaRegistryUrl: inject("endpoints").schemaRegistryUrl,
      prefix: world.prefix,
      stateDir: world.stateDir,
      instanceId: "it",
    });
    await processor.app.start();
    return processor;
  };

  beforeAll(() => world.apply());
  afterAll(async () => {
    await admin.close();
    await world.cleanup();
  });

  it("refuses while running; once stopped, the next start counts everything again from offset 0", async () => {
    await world.publishPlays(300);
    const first = await start();
    await eventually(world.latestCounts, world.caughtUp);
    await expect(
      resetApplications({ brokers: brokers(), names: ["plays-per-track"], prefix: world.prefix }),
    ).rejects.toThrow(/is running/);
    await first.app.stop();
    const countsTopic = `${world.prefix}listening.track-play-counts`;
    const written = (await readAll(countsTopic)).length;

    // Its dead letters wait for an operator: a reset does not delete them.
    const dlq = `${applicationId}-dlq`;
    await admin.createTopics([{ name: dlq, partitions: 1 }]);
    // A dry run says what would go and deletes nothing.
    const [planned] = await resetApplications({
      brokers: brokers(),
      names: ["plays-per-track"],
      prefix: world.prefix,
      stateDir: world.stateDir,
      dryRun: true,
    });
    expect(planned?.committedPartitions).toBeGreaterThan(0);
    expect(planned?.hadLocalState).toBe(true);
    expect(planned?.deletedTopics).not.toContain(dlq);
    expect((await admin.committedOffsets(applicationId)).size).toBe(planned?.committedPartitions);
    expect(existsSync(join(world.stateDir, applicationId))).toBe(true);

    const [result] = await resetApplications({
      brokers: brokers(),
      names: ["plays-per-track"],
      prefix: world.prefix,
      stateDir: world.stateDir,
    });
    expect(result?.deletedTopics.sort()).toEqual(planned?.deletedTopics.sort());
    expect(result?.deletedTopics).toEqual(
      expect.arrayContaining([`${applicationId}-track-play-counts-changelog`]),
    );
    // A deletion reaches the metadata the broker answers with a moment later.
    const left = await eventually(
      async () => (await admin.listTopics()).filter((t) => t.startsWith(`${applicationId}-`)),
      (topics) => topics.length === 1,
    );
    expect(left).toEqual([dlq]);
    expect(await admin.committedOffsets(applicationId)).toEqual(new Map());
    expect(existsSync(join(world.stateDir, applicationId))).toBe(false);

    // Reprocessed from offset 0: the same counts again, written again.
    const second = await start();
    try {
      await world.publishPlays(50);
      const counts = await eventually(world.latestCounts, world.caughtUp);
      expect(counts).toEqual(world.expected);
      expect((await readAll(countsTopic)).length).toBeGreaterThan(written);
    } finally {
      await second.app.stop();
    }
  });
});
