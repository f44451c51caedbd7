// The count topology on our engine against the same topology on Java Kafka Streams 4.x:
// same input topic, same broker, same machine, record caches on, same commit interval.
//   npx tsx bench/kafka-streams-java/run.ts [--records 1000000]
//       [--guarantee exactly_once|at_least_once] [--repetitions 3] [--commit-interval 100]
//       [--cache-max-bytes 10485760] [--java-threads 1] [--kafka-streams 4.4.0]
//       [--warmup 1] [--fresh-process] [--reverse] [--timeout 600]
// N plays are produced once (not timed) to a fresh 6-partition topic, keyed by track id
// with Zipf popularity over the full demo catalog (19,865 tracks). Each side is a host
// process (a JVM running CountPlays.java, a Node running ours.ts) that runs one application
// after another; after untimed warm-up runs, per guarantee and repetition, each side in turn
// (the order alternates) runs the count with a fresh application id and output topic, timed
// from "running" (group joined, tasks ready) until the output holds, for every track, a
// latest count equal to its plays. A miscount fails the bench. See README.md beside this file.
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createPlayGenerator,
  demoListening,
  generateDemoCatalog,
} from "../../connect/demo/index.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createProducer, type OutRecord } from "../../platform/kafka/index.ts";
import { versions } from "../../stack/versions.ts";
import { type Host, startHost } from "./child.ts";
import { followCounts } from "./count-check.ts";
import { buildJavaSide, type JavaSide } from "./java-side.ts";

type Guarantee = "at_least_once" | "exactly_once";
type Side = "ours" | "java";
const guarantees: Guarantee[] = ["exactly_once", "at_least_once"];

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    guarantee: { type: "string" },
    repetitions: { type: "string", default: "3" },
    "commit-interval": { type: "string", default: "100" },
    "cache-max-bytes": { type: "string", default: String(10 * 1024 * 1024) },
    "java-threads": { type: "string", default: "1" },
    "kafka-streams": { type: "string" },
    /** Untimed runs of each side and guarantee before the timed ones (JIT, broker, page cache). */
    warmup: { type: "string", default: "1" },
    /** Java first in the odd repetitions instead of ours. */
    reverse: { type: "boolean", default: false },
    /** A new process for every run (cold JIT on both sides) instead of one per side. */
    "fresh-process": { type: "boolean", default: false },
    /**
     * Profiles each host process into this dir: V8's --cpu-prof for ours (read it with
     * bench/streams/profile-summary.ts), a JFR recording for Java. Whole process lifetime.
     */
    profile: { type: "string" },
    /** Seconds one run may take to reach the right counts. */
    timeout: { type: "string", default: "600" },
  },
});
const positive = (name: string, value: string, zero = false) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (zero ? 0 : 1))
    throw new Error(`--${name}: a ${zero ? "non-negative" : "positive"} integer`);
  return n;
};
const N = positive("records", args.records);
const repetitions = positive("repetitions", args.repetitions);
const commitIntervalMs = positive("commit-interval", args["commit-interval"]);
const cacheMaxBytes = positive("cache-max-bytes", args["cache-max-bytes"], true);
const javaThreads = positive("java-threads", args["java-threads"]);
const warmups = positive("warmup", args.warmup, true);
const timeoutMs = positive("timeout", args.timeout) * 1000;
const runGuarantees = args.guarantee ? [args.guarantee as Guarantee] : guarantees;
if (!runGuarantees.every((g) => guarantees.includes(g)))
  throw new Error("--guarantee exactly_once|at_least_once");
const PARTITIONS = 6;

const here = dirname(fileURLToPath(import.meta.url));
const brokers = endpointsFromEnv().kafkaBrokers;
const runId = randomUUID().slice(0, 8);
const prefix = `bench.ksj.${runId}`;
const input = `${prefix}.plays`;
const stateRoot = mkdtempSync(join(tmpdir(), "vobe-bench-ksj-"));
const say = (line: string) => console.log(line);
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const short = (g: Guarantee) => (g === "exactly_once" ? "eos" : "alos");

// ------------------------------------------------------------------ the input

/**
 * The same compact JSON play as bench/streams (~150 bytes; the track id is the key).
 * Neither side decodes it: both count raw records per key, so serde cost is the key's
 * UTF-8 decode and the 8-byte count on both.
 */
function playValue(
  p: { playId: string; userId: string; listenedMs: number; trackDurationMs: number },
  completed: boolean,
  at: number,
): Buffer {
  return Buffer.from(
    `{"p":"${p.playId}","u":"${p.userId}","l":${p.listenedMs},"d":${p.trackDurationMs},"c":${completed ? 1 : 0},"s":"simulator","t":${at}}`,
  );
}

async function produceInput(): Promise<{ expected: Map<string, number>; bytes: number }> {
  const producer = createProducer({ brokers, clientId: `${prefix}-input` });
  const generator = createPlayGenerator({
    seed: 1,
    ...demoListening(generateDemoCatalog({ size: "full", seed: 1 })),
  });
  const expected = new Map<string, number>();
  let bytes = 0;
  let made = 0;
  const at = Date.now();
  const batch = () => {
    const records: OutRecord[] = [];
    for (let i = 0; i < 5_000 && made < N; i++, made++) {
      const play = generator.next();
      const value = playValue(play, play.completed, at + made);
      bytes += value.length;
      expected.set(play.trackId, (expected.get(play.trackId) ?? 0) + 1);
      records.push({
        topic: input,
        key: Buffer.from(play.trackId),
        value,
        timestamp: BigInt(at + made),
      });
    }
    return records;
  };
  try {
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (made < N) await producer.send(batch());
      }),
    );
  } finally {
    await producer.close();
  }
  return { expected, bytes };
}

// ------------------------------------------------------------------ one run

interface Result {
  side: Side;
  guarantee: Guarantee;
  repetition: number;
  /** "running" → every count right: the figure compared. */
  seconds: number;
  /** Process launch → "running" (runtime start, group join, task creation). */
  startSeconds: number;
  /** CPU of the app's process (all threads) over the timed window. */
  cpuSeconds: number;
  outputRecords: number;
  load: string;
}

const admin = createAdmin({ brokers, clientId: `${prefix}-admin` });
let expected = new Map<string, number>();
let javaSide: JavaSide;

function startSideHost(side: Side, label: string): Host {
  const dir = args.profile;
  if (dir) mkdirSync(dir, { recursive: true });
  if (side === "java")
    return startHost(
      javaSide.java,
      [
        ...(dir
          ? [
              `-XX:StartFlightRecording=filename=${join(dir, `${label}.jfr`)},settings=profile,dumponexit=true`,
            ]
          : []),
        ...javaSide.launchArgs,
      ],
      label,
    );
  return startHost(
    process.execPath,
    [
      ...(dir
        ? ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}.cpuprofile`]
        : []),
      // Resolved here, so the child finds tsx whatever its working directory.
      "--import",
      import.meta.resolve("tsx"),
      join(here, "ours.ts"),
    ],
    label,
  );
}

function startCommand(side: Side, g: Guarantee, applicationId: string, output: string): string {
  const stateDir = mkdtempSync(join(stateRoot, `${side}-`));
  if (side === "java")
    return [
      "start",
      brokers.join(","),
      applicationId,
      input,
      output,
      g === "exactly_once" ? "exactly_once_v2" : "at_least_once",
      commitIntervalMs,
      cacheMaxBytes,
      javaThreads,
      stateDir,
    ].join("\t");
  return JSON.stringify({
    cmd: "start",
    brokers,
    applicationId,
    input,
    output,
    guarantee: g,
    commitIntervalMs,
    cacheMaxBytes,
    stateDir,
  });
}

const hosts = new Map<Side, Host>();
/** The side's long-lived host, or (--fresh-process) a new one for this run. */
function hostFor(side: Side, label: string): { host: Host; fresh: boolean } {
  if (args["fresh-process"]) return { host: startSideHost(side, label), fresh: true };
  let host = hosts.get(side);
  if (!host) {
    host = startSideHost(side, `${prefix}.${side}-host`);
    hosts.set(side, host);
  }
  return { host, fresh: false };
}

async function runOnce(side: Side, g: Guarantee, repetition: number, tag: string): Promise<Result> {
  const applicationId = `${prefix}.${side}-${short(g)}-${tag}`;
  const output = `${applicationId}.out`;
  await admin.createTopics([{ name: output, partitions: PARTITIONS }]);
  const check = followCounts({
    brokers,
    topic: output,
    partitions: PARTITIONS,
    expected,
    clientId: `${applicationId}-check`,
  });
  const launched = performance.now();
  const { host, fresh } = hostFor(side, applicationId);
  try {
    host.send(startCommand(side, g, applicationId, output));
    await host.event("running", 120_000);
    const began = performance.now();
    const cpuBegan = host.cpuSeconds();
    const correct = await Promise.race([
      check.correct,
      host.failed,
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new Error(
                `${applicationId}: ${check.wrong()} of ${expected.size} counts still wrong after ${timeoutMs / 1000} s`,
              ),
            ),
          timeoutMs,
        ).unref(),
      ),
    ]);
    const cpuSeconds = host.cpuSeconds() - cpuBegan;
    host.send(side === "java" ? "stop" : JSON.stringify({ cmd: "stop" }));
    await host.event("stopped", 30_000);
    // Everything the app wrote, read to its end: no count may move after it was right.
    await check.finish(await admin.endOffsets(output, "read_committed"));
    return {
      side,
      guarantee: g,
      repetition,
      seconds: (correct - began) / 1000,
      startSeconds: (began - launched) / 1000,
      cpuSeconds,
      outputRecords: check.records(),
      load: load(),
    };
  } finally {
    if (fresh) await host.close(30_000);
    await check.close().catch(() => {});
  }
}

// ------------------------------------------------------------------ the run

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const sideName = (s: Side) =>
  s === "ours" ? "ours (processors/engine)" : `Kafka Streams ${javaSide.kafkaStreamsVersion}`;
const show = (r: Result) =>
  say(
    `  rep ${r.repetition} ${sideName(r.side)} [${r.guarantee}]: ${r.seconds.toFixed(2)} s, ${fmt(N / r.seconds)} records/s, ` +
      `CPU ${r.cpuSeconds.toFixed(2)} s, ${fmt(r.outputRecords)} output records, start ${r.startSeconds.toFixed(2)} s, load ${r.load}`,
  );

const results: Result[] = [];
let failed = false;
try {
  javaSide = await buildJavaSide(args["kafka-streams"]);
  const started = new Date();
  say(
    `kafka-streams-java bench: ${fmt(N)} records, ${PARTITIONS} partitions, commit interval ${commitIntervalMs} ms (both sides), ` +
      `record cache ${fmt(cacheMaxBytes)} bytes (both), in-memory stores, Java stream threads ${javaThreads}, ` +
      `${args["fresh-process"] ? "a fresh process per run" : "one process per side for every run"}; ` +
      `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, ${javaSide.javaVersion}, ` +
      `Kafka Streams ${javaSide.kafkaStreamsVersion}, broker Kafka ${versions.kafka} at ${brokers.join(",")}, load ${load()}, ${started.toISOString()}`,
  );
  await admin.createTopics([{ name: input, partitions: PARTITIONS }]);
  const t0 = performance.now();
  const produced = await produceInput();
  expected = produced.expected;
  const ends = await admin.endOffsets(input, "read_committed");
  const total = ends.reduce((a, b) => a + b, 0n);
  if (total !== BigInt(N)) throw new Error(`input holds ${total} records, expected ${N}`);
  const top = Math.max(...expected.values());
  say(
    `input ${input}: ${fmt(N)} plays over ${fmt(expected.size)} tracks (the most played: ${fmt(top)}), ` +
      `${(produced.bytes / N).toFixed(0)} bytes/value, produced in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed); ` +
      `per partition ${ends.join(", ")}`,
  );

  for (const g of runGuarantees)
    for (let w = 1; w <= warmups; w++)
      for (const side of ["ours", "java"] as const) {
        const r = await runOnce(side, g, 0, `warmup${w}`);
        say(
          `  warm-up ${sideName(side)} [${r.guarantee}]: ${r.seconds.toFixed(2)} s (untimed, counts checked)`,
        );
      }
  for (const g of runGuarantees)
    for (let rep = 1; rep <= repetitions; rep++) {
      const oursFirst = (rep % 2 === 1) !== args.reverse;
      const order: Side[] = oursFirst ? ["ours", "java"] : ["java", "ours"];
      for (const side of order) {
        const r = await runOnce(side, g, rep, String(rep));
        results.push(r);
        show(r);
      }
    }

  // ---------------------------------------------------------------- the table
  say("");
  say(
    `machine: ${availableParallelism()} cores, ${cpus()[0]?.model ?? "?"}; Node ${process.version}; ${javaSide.javaVersion}; ` +
      `Kafka Streams ${javaSide.kafkaStreamsVersion}; broker Kafka ${versions.kafka} (native); ${fmt(N)} records over ${fmt(expected.size)} keys; ` +
      `commit interval ${commitIntervalMs} ms; load at end ${load()}`,
  );
  say("");
  say(
    "| guarantee | rep | side | seconds | records/s | ratio ours/Java | CPU s | records per CPU s | output records | output per input |",
  );
  say("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const g of runGuarantees) {
    const of = (side: Side, rep?: number) =>
      results.filter(
        (r) => r.guarantee === g && r.side === side && (rep ?? r.repetition) === r.repetition,
      );
    for (let rep = 1; rep <= repetitions; rep++)
      for (const side of ["ours", "java"] as const) {
        const r = of(side, rep)[0];
        const other = of(side === "ours" ? "java" : "ours", rep)[0];
        if (!r || !other) continue;
        const ratio = side === "ours" ? other.seconds / r.seconds : Number.NaN;
        say(
          `| ${g} | ${rep} | ${sideName(side)} | ${r.seconds.toFixed(2)} | ${fmt(N / r.seconds)} | ${Number.isNaN(ratio) ? "" : ratio.toFixed(2)} | ` +
            `${r.cpuSeconds.toFixed(2)} | ${fmt(N / r.cpuSeconds)} | ${fmt(r.outputRecords)} | ${(r.outputRecords / N).toFixed(3)} |`,
        );
      }
    const med = (side: Side, f: (r: Result) => number) => median(of(side).map(f));
    const oursRate = med("ours", (r) => N / r.seconds);
    const javaRate = med("java", (r) => N / r.seconds);
    for (const side of ["ours", "java"] as const)
      say(
        `| **${g}** | **median** | **${sideName(side)}** | ${med(side, (r) => r.seconds).toFixed(2)} | **${fmt(side === "ours" ? oursRate : javaRate)}** | ` +
          `${side === "ours" ? `**${(oursRate / javaRate).toFixed(2)}**` : ""} | ${med(side, (r) => r.cpuSeconds).toFixed(2)} | ` +
          `${fmt(med(side, (r) => N / r.cpuSeconds))} | ${fmt(med(side, (r) => r.outputRecords))} | ${(med(side, (r) => r.outputRecords) / N).toFixed(3)} |`,
      );
  }
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  for (const host of hosts.values()) await host.close(30_000);
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics(topics).catch((e) => say(`cleanup: ${e}`));
  await admin.close();
  rmSync(stateRoot, { recursive: true, force: true });
  say(`cleaned up ${topics.length} topics (${prefix}.*) and ${stateRoot}`);
}
process.exit(failed ? 1 : 0);
