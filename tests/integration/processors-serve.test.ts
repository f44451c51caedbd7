import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { playsWorld } from "../support/processors-plays.ts";
import { freePort, get, ProcessorsProcess } from "../support/processors-process.ts";
import { eventually } from "../support/streams.ts";

/**
 * `vobe serve processors` as a real child process (issue 12 defect 1, issue 11 point 0):
 * its /metrics scraped concurrently while two apps process, and SIGTERM under load.
 * Before the apps ran in worker threads, the first scrape ended the process
 * (Registry.merge threw on the second app's metric of the same name).
 */
const names = ["plays-per-track", "trending-tracks"];

describe("vobe serve processors, as a process", () => {
  const endpoints = inject("endpoints");
  const world = playsWorld(endpoints, "processors-serve");
  const started: ProcessorsProcess[] = [];
  let port = 0;

  const start = () => {
    const child = new ProcessorsProcess(
      [
        "cli/main.ts",
        "serve",
        "processors",
        "--prefix",
        world.prefix,
        "--state-dir",
        world.stateDir,
        "--only",
        ...names,
      ],
      {
        KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
        SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
        DATABASE_URL: endpoints.databaseUrl,
        SEARCH_URL: endpoints.searchUrl,
        VOBE_PROCESSORS_PORT: String(port),
        VOBE_INSTANCE_ID: "it",
      },
    );
    started.push(child);
    return child;
  };
  const healthy = async (child: ProcessorsProcess) => {
    const answer = await eventually(
      () => get(`http://127.0.0.1:${port}/health`),
      (a) => a.status === 200 || !child.alive,
      120_000,
    );
    expect(answer.status, `${answer.body}\n${child.stderr.join("")}`).toBe(200);
  };

  beforeAll(async () => {
    port = await freePort();
    await world.apply();
  });
  afterAll(async () => {
    for (const child of started) await child.kill();
    await world.cleanup();
  });

  it("answers every scrape of /metrics, concurrent ones included, while its apps process; each app's series apart", async () => {
    const child = start();
    await healthy(child);
    let publishing = true;
    const load = (async () => {
      for (let i = 0; i < 10; i++) await world.publishPlays(300);
      publishing = false;
    })();
    const answers = [];
    while (publishing || answers.length < 40) {
      const round = Array.from({ length: 8 }, () => get(`http://127.0.0.1:${port}/metrics`));
      answers.push(...(await Promise.all(round)));
      await sleep(50);
    }
    await load;
    expect(child.alive, child.stderr.join("")).toBe(true);
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.map((a) => `${a.status} ${a.body.slice(0, 200)}`)).toEqual([]);
    const last = answers.at(-1)?.body ?? "";
    const prefix = world.prefix.replaceAll(".", "\\.");
    for (const name of names) {
      expect(last).toMatch(
        new RegExp(`vobe_stream_task_process_total\\{application="${prefix}vobe-${name}"`),
      );
    }
    // One family per metric name, and the process's own metrics once.
    expect(last.match(/^# TYPE vobe_stream_task_process_total /gm)).toHaveLength(1);
    expect(last.match(/^process_cpu_user_seconds_total /gm)).toHaveLength(1);
    expect(last).toMatch(
      new RegExp(
        `^vobe_processors_app_up\\{application="${prefix}vobe-plays-per-track",state="running"\\} 1$`,
        "m",
      ),
    );

    const counts = await eventually(world.latestCounts, world.caughtUp, 90_000);
    expect(counts).toEqual(world.expected);
  }, 240_000);

  it("stops within its bound on SIGTERM under load, and a restart counts every play once", async () => {
    const first = started[0] as ProcessorsProcess;
    expect(first.alive).toBe(true);
    const load = (async () => {
      for (let i = 0; i < 8; i++) await world.publishPlays(300);
    })();
    await sleep(1_000);
    const signalled = Date.now();
    first.child.kill("SIGTERM");
    const exit = await first.exited;
    const tookMs = exit.at - signalled;
    console.log(`processors-serve: SIGTERM under load → exit ${exit.code} after ${tookMs} ms`);
    expect(exit.code).toBe(0);
    expect(tookMs).toBeLessThan(15_000);
    expect(first.lines.some((l) => l.msg === "processors stopped")).toBe(true);
    await load;

    const second = start();
    await healthy(second);
    const counts = await eventually(world.latestCounts, world.caughtUp, 90_000);
    expect(counts).toEqual(world.expected);
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 300_000);
});
