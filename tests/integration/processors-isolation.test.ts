import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { AppHealth } from "../../processors/apps/index.ts";
import { testAdmin } from "../support/kafka.ts";
import { playsWorld } from "../support/processors-plays.ts";
import {
  type Answer,
  get,
  type LogLine,
  ProcessorsProcess,
} from "../support/processors-process.ts";
import { blockerTopic } from "../support/processors-topologies.ts";
import { eventually } from "../support/streams.ts";

/**
 * One application whose thread is blocked (a record that spins for a minute, like the
 * trending window store's runaway catch-up in issue 11) beside plays-per-track, in one
 * processors process: the other app keeps counting, /health keeps answering and names
 * the blocked one stuck, /metrics keeps answering, and SIGTERM still ends the process
 * within its bound. On one event loop (before worker threads), none of this held.
 */
describe("a stuck application in the processors process", () => {
  const endpoints = inject("endpoints");
  const world = playsWorld(endpoints, "processors-isolation");
  const blocker = `${world.prefix}vobe-blocker`;
  const counter = `${world.prefix}vobe-plays-per-track`;
  let child: ProcessorsProcess;
  let base = "";

  beforeAll(async () => {
    await world.apply();
    const admin = testAdmin();
    await admin.createTopics([{ name: blockerTopic(world.prefix), partitions: 1 }]);
    await admin.close();
  });
  afterAll(async () => {
    await child?.kill();
    await world.cleanup([blockerTopic(world.prefix)]);
  });

  it("leaves the other apps, /health and /metrics running, says which app is stuck, and stops on SIGTERM", async () => {
    const options = {
      brokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      prefix: world.prefix,
      stateDir: world.stateDir,
      instanceId: "it",
      port: 0,
      topologyModule: resolve(import.meta.dirname, "../support/processors-topologies.ts"),
    };
    child = new ProcessorsProcess(["tests/support/processors-child.ts", JSON.stringify(options)]);
    const serving = await child.waitForLog((l) => typeof l.port === "number");
    base = `http://127.0.0.1:${serving.port}`;
    const health = async () => {
      const answer = await get(`${base}/health`, 1_000);
      return { answer, apps: answer.status ? (JSON.parse(answer.body).apps as AppHealth[]) : [] };
    };
    const stateOf = (apps: AppHealth[], id: string) =>
      apps.find((a) => a.application === id)?.state;
    const ready = await eventually(health, (h) => h.answer.status === 200, 120_000);
    expect(ready.answer.status, ready.answer.body).toBe(200);

    // Probe /health four times a second from here to the end. A probe's patience is a
    // sixth of the blocker's spin: a main thread held by the spin would answer only after
    // it, while a busy machine delays a free main thread by far less.
    const spinMs = 60_000;
    const patienceMs = spinMs / 6;
    const probes: Answer[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        probes.push(await get(`${base}/health`, patienceMs));
        await sleep(250);
      }
    })();

    await world.producer.send([
      {
        topic: blockerTopic(world.prefix),
        key: Buffer.from("spin"),
        value: Buffer.from(String(spinMs)),
      },
    ]);
    const stuckSeen = Date.now();
    const stuck = await eventually(health, (h) => stateOf(h.apps, blocker) === "stuck", 30_000);
    console.log(`processors-isolation: blocker reported stuck after ${Date.now() - stuckSeen} ms`);
    expect(stuck.answer.status).toBe(503);
    expect(JSON.parse(stuck.answer.body).failing).toEqual([blocker]);
    expect(stateOf(stuck.apps, counter)).toBe("running");
    const warned = await child.waitForLog(
      (l: LogLine) => l.application === blocker && l.state === "stuck",
      5_000,
    );
    expect(warned.level).toBe(40);

    // The other app keeps counting while the blocker's thread spins.
    for (let i = 0; i < 4; i++) await world.publishPlays(250);
    const counts = await eventually(world.latestCounts, world.caughtUp, 60_000);
    expect(counts).toEqual(world.expected);

    const metrics = await get(`${base}/metrics`, 5_000);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain(`vobe_stream_task_process_total{application="${counter}"`);
    expect(metrics.body).toContain(
      `vobe_processors_app_up{application="${blocker}",state="stuck"} 0`,
    );

    probing = false;
    await prober;
    const unanswered = probes.filter((p) => p.status !== 200 && p.status !== 503);
    console.log(
      `processors-isolation: ${probes.length} /health probes while stuck, ${unanswered.length} unanswered, slowest ${Math.round(Math.max(...probes.map((p) => p.ms)))} ms`,
    );
    expect(unanswered).toEqual([]);
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(patienceMs);

    // SIGTERM while the blocker still spins: it is terminated after the grace, the
    // process exits within its bound, and exits cleanly.
    const signalled = Date.now();
    child.child.kill("SIGTERM");
    const exit = await child.exited;
    console.log(
      `processors-isolation: SIGTERM with a stuck app → exit ${exit.code} after ${exit.at - signalled} ms`,
    );
    expect(exit.code).toBe(0);
    expect(exit.at - signalled).toBeLessThan(15_000);
    const stopped = child.lines.find((l) => l.msg === "processors stopped");
    expect(stopped?.outcomes).toEqual({ [blocker]: "terminated", [counter]: "stopped" });
  }, 300_000);
});
