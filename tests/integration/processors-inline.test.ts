import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startHealthServer } from "../../processors/apps/health-server.ts";
import { type InlineProcessors, startProcessors } from "../../processors/apps/index.ts";
import { playsPerTrackStores } from "../../processors/topologies/plays-per-track.ts";
import { playsWorld } from "../support/processors-plays.ts";
import { get } from "../support/processors-process.ts";
import { eventually } from "../support/streams.ts";

/**
 * The in-process mode kept for tests that query stores: the same supervision (health,
 * labelled metrics) on the caller's thread. Two apps' registries in one process scrape
 * without a throw here too.
 */
describe("the processors inline", () => {
  const endpoints = inject("endpoints");
  const world = playsWorld(endpoints, "processors-inline");
  let running: InlineProcessors | undefined;

  beforeAll(() => world.apply());
  afterAll(async () => {
    await running?.stop();
    await world.cleanup();
  });

  it("serves its stores, its health and every app's metrics from the caller's thread", async () => {
    await world.publishPlays(300);
    running = await startProcessors({
      brokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      prefix: world.prefix,
      stateDir: world.stateDir,
      instanceId: "it",
      only: ["plays-per-track", "trending-tracks"],
    });
    const server = await startHealthServer(running.supervised, 0);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const store = running.apps[0]?.app.keyValueStore<string, unknown>(playsPerTrackStores.counts);
      // The store holds a count, or a row with the count in `plays`.
      const plays = (v: unknown) =>
        typeof v === "object" && v ? (v as { plays: number }).plays : v;
      const counted = await eventually(
        async () => new Map([...world.expected.keys()].map((t) => [t, plays(store?.get(t))])),
        (m) => [...world.expected].every(([t, n]) => m.get(t) === n),
      );
      expect(counted).toEqual(world.expected);

      const health = await eventually(
        () => get(`${base}/health`),
        (a) => a.status === 200,
        10_000,
      );
      expect(JSON.parse(health.body).apps.map((a: { state: string }) => a.state)).toEqual([
        "running",
        "running",
      ]);
      const scrapes = await Promise.all(Array.from({ length: 20 }, () => get(`${base}/metrics`)));
      expect(scrapes.map((s) => s.status)).toEqual(Array(20).fill(200));
      for (const id of [
        `${world.prefix}vobe-plays-per-track`,
        `${world.prefix}vobe-trending-tracks`,
      ]) {
        expect(scrapes[0]?.body).toContain(`vobe_stream_task_process_total{application="${id}"`);
      }
      expect(await get(`${base}/nothing`)).toMatchObject({ status: 404 });
    } finally {
      server.close();
    }
    expect(Object.values(await running.stop())).toEqual(["stopped", "stopped"]);
  }, 180_000);
});
