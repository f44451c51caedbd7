/**
 * Processors instances and throughput (issue 16): the same backlog of plays drained by one,
 * two and three instances of `plays-per-track` (each a process of its own, as
 * `vobe serve processors` runs them: bench/end-to-end/processors-child.ts), ratios against
 * one instance in the same run. Against the native stack (`./vobe stack up`).
 *
 *   npx tsx bench/scale-out/run.ts [--plays 200000] [--instances 1,2,3] [--rounds 3]
 *
 * Per instance count: a prefixed copy of the topics plays-per-track reads and writes,
 * `--plays` TrackPlayed events published into it (untimed), then the instances started
 * together with a fresh application id. Timed: from the spawn to "every instance runs"
 * (start-up: worker threads loading, the group forming), and from then to the group's
 * committed offsets reaching the input's ends (the drain). The drain rate counts the
 * records left at the moment all instances ran, so start-up work done by early instances
 * is not credited to the group. The counts alternate within each round (1, 2, 3, 1, 2, 3…)
 * so that a busy moment of a shared machine does not land on one count only; the summary
 * gives each count's median. Topics and state directories are deleted afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, type KafkaAdmin } from "../../platform/kafka/index.ts";
import type { ServeOptions } from "../../processors/apps/serve.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { publishPlays } from "../support/plays.ts";

const { values } = parseArgs({
  options: {
    plays: { type: "string", default: "200000" },
    instances: { type: "string", default: "1,2,3" },
    rounds: { type: "string", default: "3" },
  },
});
const plays = Number(values.plays);
const counts = values.instances.split(",").map(Number);
const rounds = Number(values.rounds);
const endpoints = endpointsFromEnv();
const topology = "plays-per-track";
const runId = Date.now().toString(36);
const entries = catalog.filter(
  (t) => t.name === "listening.plays" || t.derivedFrom?.topology === topology,
);

/** Sum over the input's partitions of (end − the group's committed offset). */
async function behind(admin: KafkaAdmin, group: string, input: string): Promise<number> {
  const [ends, committed] = await Promise.all([
    admin.endOffsets(input, "read_committed"),
    admin.committedOffsets(group),
  ]);
  let sum = 0n;
  ends.forEach((end, partition) => {
    sum += end - (committed.get(`${input}:${partition}`) ?? 0n);
  });
  return Number(sum);
}

function startInstance(options: ServeOptions): { child: ChildProcess; running: Promise<void> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "bench/end-to-end/processors-child.ts", JSON.stringify(options)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const running = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const event = JSON.parse(line) as { event: string; message?: string };
      if (event.event === "running") resolve();
      if (event.event === "error") reject(new Error(event.message));
    });
    child.once("exit", (code) => reject(new Error(`an instance exited (${code})`)));
  });
  return { child, running };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });

interface Result {
  instances: number;
  startupSeconds: number;
  drained: number;
  drainSeconds: number;
}

const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench-scale" });
const results: Result[] = [];
try {
  for (const [round, n] of Array.from({ length: rounds }, (_, r) =>
    counts.map((n) => [r, n] as const),
  ).flat()) {
    const prefix = `bench.scale.${runId}.r${round}i${n}.`;
    const input = `${prefix}listening.plays`;
    const group = `${prefix}vobe-${topology}`;
    const stateDir = mkdtempSync(join(tmpdir(), "vobe-bench-scale-"));
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: prefixedCatalog(prefix, entries),
      log: () => {},
    });
    await publishPlays(endpoints, input, plays, 1);
    process.stdout.write(
      `round ${round + 1}, ${n} instance(s): ${plays} plays published; starting…\n`,
    );
    const started = performance.now();
    const instances = Array.from({ length: n }, (_, i) =>
      startInstance({
        brokers: endpoints.kafkaBrokers,
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        prefix,
        only: [topology],
        stateDir: join(stateDir, String(i)),
        instanceId: `bench-scale-${i}`,
        port: 0,
      }),
    );
    try {
      await Promise.all(instances.map((i) => i.running));
      // The group forms after the threads run: wait until it has every member.
      while ((await admin.groupMembers(group)).length < n) await sleep(200);
      const running = performance.now();
      const left = await behind(admin, group, input);
      while ((await behind(admin, group, input)) > 0) await sleep(250);
      const done = performance.now();
      results.push({
        instances: n,
        startupSeconds: (running - started) / 1000,
        drained: left,
        drainSeconds: (done - running) / 1000,
      });
    } finally {
      await Promise.all(instances.map((i) => stop(i.child)));
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      await admin.deleteTopics(topics);
      await admin.deleteGroup(group).catch(() => {});
      rmSync(stateDir, { recursive: true, force: true });
    }
  }
} finally {
  await admin.close();
}

const rate = (r: Result) => r.drained / r.drainSeconds;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const runs = new Table({
  head: ["instances", "start-up (s)", "records drained", "drain (s)", "plays/s"],
});
for (const r of results) {
  runs.push([
    r.instances,
    r.startupSeconds.toFixed(1),
    r.drained,
    r.drainSeconds.toFixed(1),
    Math.round(rate(r)),
  ]);
}
const medians = counts.map((n) => ({
  n,
  rate: median(results.filter((r) => r.instances === n).map(rate)),
  startup: median(results.filter((r) => r.instances === n).map((r) => r.startupSeconds)),
}));
const base = medians[0]?.rate ?? 1;
const summary = new Table({
  head: ["instances", "median start-up (s)", "median plays/s", `ratio to ${counts[0]}`],
});
for (const m of medians) {
  summary.push([m.n, m.startup.toFixed(1), Math.round(m.rate), (m.rate / base).toFixed(2)]);
}
process.stdout.write(`${runs.toString()}\n${summary.toString()}\n`);
