// What the streams engine (processors/engine) costs per record, against the best a raw
// consume→produce loop on platform/kafka does on the same broker, input and commit policy.
//   npx tsx bench/streams/run.ts [--records 1000000] [--commit-interval 100]
//                                [--only ceiling,stateless,stateful,lmdb,replay,kafka-streams,restore]
//                                [--guarantee at_least_once|exactly_once] [--timeout 600]
//                                [--replay-cache on,off]
// N plays are pre-produced (not timed) to a fresh 6-partition topic; every scenario then
// reads all of it from offset 0 with a fresh application id (= group id) and a fresh
// output topic, and is timed from "assigned and running" until the group's committed
// offsets reach the input's end on every partition. The ceilings run first and again
// last; each ratio is against the mean of the two ceiling runs of the same guarantee.
// `replay` (ADR-016) runs a count + hopping-window + suppress + top-N topology over the
// backlog, printing records/s per 100,000 input records (it must stay flat), with the
// record cache on and off: derived and changelog records per input record.
// Everything `bench.streams.<run>.*` (input, outputs, changelogs) and the state dirs are
// deleted at the end, also when the bench fails.
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import {
  createPlayGenerator,
  demoListening,
  generateDemoCatalog,
} from "../../connect/demo/index.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  createGroupMember,
  createProducer,
  type OutRecord,
  partitionKey,
  type TopicPartition,
} from "../../platform/kafka/index.ts";
import {
  Serdes,
  StreamsBuilder,
  TimeWindows,
  type Topology,
  untilWindowCloses,
} from "../../processors/engine/index.ts";
import { StreamsApp } from "../../processors/engine/runtime/streams-app.ts";
import { changelogTopicName } from "../../processors/engine/topology/spec.ts";
import { versions } from "../../stack/versions.ts";

type Guarantee = "at_least_once" | "exactly_once";
const guarantees: Guarantee[] = ["at_least_once", "exactly_once"];
const scenarioNames = [
  "ceiling",
  "stateless",
  "stateful",
  "lmdb",
  "replay",
  "kafka-streams",
  "restore",
] as const;

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    "commit-interval": { type: "string", default: "100" },
    only: { type: "string", default: scenarioNames.join(",") },
    guarantee: { type: "string" },
    timeout: { type: "string", default: "600" },
    /** The replay's record cache settings to run: on (10 MiB), off (0), or both. */
    "replay-cache": { type: "string", default: "on,off" },
    "kafka-streams-timeout": { type: "string", default: "30" },
    /** Writes a V8 CPU profile of each timed window (one per scenario) into this dir. */
    profile: { type: "string" },
  },
});
const N = Number(args.records);
if (!Number.isInteger(N) || N <= 0) throw new Error("--records: a positive integer");
const commitIntervalMs = Number(args["commit-interval"]);
if (!Number.isInteger(commitIntervalMs) || commitIntervalMs <= 0)
  throw new Error("--commit-interval: a positive integer (ms)");
const only = new Set(args.only.split(","));
for (const s of only)
  if (!(scenarioNames as readonly string[]).includes(s))
    throw new Error(`--only: one or more of ${scenarioNames.join(",")}`);
const runGuarantees = args.guarantee ? [args.guarantee as Guarantee] : guarantees;
if (!runGuarantees.every((g) => guarantees.includes(g)))
  throw new Error("--guarantee at_least_once|exactly_once");
const timeoutMs = Number(args.timeout) * 1000;
const ksTimeoutMs = Number(args["kafka-streams-timeout"]) * 1000;
/** The engine's default maxBufferedRecords; the ceiling flushes at the same size. */
const maxBuffered = 20_000;
const PARTITIONS = 6;

const brokers = endpointsFromEnv().kafkaBrokers;
const runId = randomUUID().slice(0, 8);
const prefix = `bench.streams.${runId}`;
const input = `${prefix}.plays`;
const stateRoot = mkdtempSync(join(tmpdir(), "vobe-bench-streams-"));
const say = (line: string) => console.log(line);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

// ------------------------------------------------------------------ the records

/**
 * A play as a compact JSON value (~150 bytes): the trackId is the record key, so it is not
 * repeated; short field names, as a size-conscious JSON producer would write it. JSON, not
 * the Avro TrackPlayed, so nothing under test needs the schema registry.
 *   {"p":<playId>,"u":<userId>,"l":<listenedMs>,"d":<trackDurationMs>,"c":<0|1>,"s":"simulator","t":<ms>}
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

const PLAY_ID_AT = 6; // `{"p":"` then the playId's hex digits
const hex = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);
/** The stateless topology's filter: drops a play when its playId's first byte < 26 (~10%). */
function dropped(value: Buffer): boolean {
  return hex(value[PLAY_ID_AT] ?? 48) * 16 + hex(value[PLAY_ID_AT + 1] ?? 48) < 26;
}
const QUALIFIED = Buffer.from(',"q":1}');
/** The stateless topology's mapValues: the same JSON with `"q":1` added (a new buffer). */
function qualified(value: Buffer): Buffer {
  const out = Buffer.allocUnsafe(value.length - 1 + QUALIFIED.length);
  value.copy(out, 0, 0, value.length - 1);
  QUALIFIED.copy(out, value.length - 1);
  return out;
}

/** The first input record's timestamp; records are 1 ms apart. */
const inputStart = Date.now();

async function produceInput(): Promise<{ kept: number; bytes: number; keys: number }> {
  const producer = createProducer({ brokers, clientId: `${prefix}-input` });
  const generator = createPlayGenerator({
    seed: 1,
    ...demoListening(generateDemoCatalog({ size: "small", seed: 1 })),
  });
  let kept = 0;
  let bytes = 0;
  const keys = new Set<string>();
  const at = inputStart;
  let made = 0;
  const batch = () => {
    const records: OutRecord[] = [];
    for (let i = 0; i < 5_000 && made < N; i++, made++) {
      const play = generator.next();
      const value = playValue(play, play.completed, at + made);
      if (!dropped(value)) kept++;
      bytes += value.length;
      keys.add(play.trackId);
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
    const lanes = Array.from({ length: 4 }, async () => {
      while (made < N) await producer.send(batch());
    });
    await Promise.all(lanes);
  } finally {
    await producer.close();
  }
  return { kept, bytes, keys: keys.size };
}

// ------------------------------------------------------------------ topologies

function statelessTopology(output: string): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream<string, Buffer>(input, { keySerde: Serdes.string(), valueSerde: Serdes.bytes() })
    .filter((_track, play) => !dropped(play))
    .mapValues((play) => qualified(play))
    .to(output, { keySerde: Serdes.string(), valueSerde: Serdes.bytes() });
  return builder.build();
}

function countTopology(output: string, persistent: boolean): Topology {
  const builder = new StreamsBuilder();
  builder
    .stream<string, Buffer>(input, { keySerde: Serdes.string(), valueSerde: Serdes.bytes() })
    .groupByKey()
    .count({ name: "plays-per-track", persistent })
    .toStream()
    .to(output, { keySerde: Serdes.string(), valueSerde: Serdes.long() });
  return builder.build();
}

/**
 * The replay scenario: what plays-per-track and trending-tracks do, over the same input.
 * Plays per track (count), and hopping 1 h / 5 min windows per track (count, suppressed
 * until final, grace 1 min), re-keyed to one key and folded into the newest window's top
 * 10. Event time is stretched 20× (records 20 ms apart: 1,000,000 plays span 5.6 h), so
 * about 65 windows close during the run and suppress emits all along.
 */
const TIME_STRETCH = 20;
function replayTopology(outputs: { counts: string; trending: string }): Topology {
  const builder = new StreamsBuilder();
  const plays = builder.stream<string, Buffer>(input, {
    keySerde: Serdes.string(),
    valueSerde: Serdes.bytes(),
    // Stretched into the past, ending near the input's own time: the broker refuses
    // output timestamps far in the future.
    timestampExtractor: (_k, _v, ts) => inputStart + (ts - inputStart - N) * TIME_STRETCH,
  });
  const byTrack = plays.groupByKey();
  byTrack
    .count({ name: "plays-per-track" })
    .toStream()
    .to(outputs.counts, { keySerde: Serdes.string(), valueSerde: Serdes.long() });
  type Entry = { t: string; n: number };
  type Top = { start: number; tracks: Entry[] };
  byTrack
    .windowedBy(TimeWindows.ofSize(3_600_000).advanceBy(300_000).grace(60_000))
    .count({ name: "trending-window-counts" })
    .suppress(untilWindowCloses())
    .toStream()
    .map((w, n) => ["last-hour", { start: w.start, t: w.key, n }])
    .groupByKey({ keySerde: Serdes.string(), valueSerde: Serdes.json<Entry & { start: number }>() })
    .aggregate<Top>(
      () => ({ start: -1, tracks: [] }),
      (_k, e, top) => {
        if (e.start < top.start) return top;
        const rest = e.start > top.start ? [] : top.tracks.filter((x) => x.t !== e.t);
        const tracks = [...rest, { t: e.t, n: e.n }].sort((a, b) => b.n - a.n).slice(0, 10);
        return { start: e.start, tracks };
      },
      { name: "trending-top", valueSerde: Serdes.json<Top>() },
    )
    .toStream()
    .to(outputs.trending, { keySerde: Serdes.string(), valueSerde: Serdes.json<Top>() });
  return builder.build();
}

// ------------------------------------------------------------------ measuring

let session: Session | undefined;
/** Starts a CPU profile of a timed window (with --profile); returns its stop-and-save. */
async function profileWindow(name: string): Promise<() => Promise<void>> {
  const dir = args.profile;
  if (!dir) return async () => {};
  if (!session) {
    session = new Session();
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 500 });
  }
  const s = session;
  await s.post("Profiler.start");
  return async () => {
    const { profile } = await s.post("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    say(`  profile: ${file}`);
  };
}

interface Result {
  scenario: string;
  guarantee: Guarantee;
  seconds: number;
  /** start()/join until running, not timed */
  startSeconds: number;
  processed: number;
  outputRecords: bigint;
  note?: string;
  /** records/s of each 100,000-record slice of the input (replay). */
  slices?: number[];
  /** records per CPU-second of this process, per slice (replay). */
  cpuSlices?: number[];
  /** Per input record: records written to outputs and to changelogs (replay). */
  derivedPerInput?: number;
  changelogPerInput?: number;
}

const admin = createAdmin({ brokers, clientId: `${prefix}-admin` });
let ends: bigint[] = [];
const inputPartitions: TopicPartition[] = Array.from({ length: PARTITIONS }, (_, partition) => ({
  topic: input,
  partition,
}));

/**
 * Resolves (with performance.now()) once `processed()` reached N and the group's committed
 * offsets equal the input's end offsets on every partition: every record is processed and
 * its outputs committed. Polls every 20 ms; the same watcher times every scenario.
 */
async function untilCommitted(
  groupId: string,
  processed: () => Promise<number> | number,
  failed: () => Error | undefined,
  began: number,
): Promise<number> {
  const probe = createGroupMember({
    brokers,
    clientId: `${groupId}-watch`,
    groupId,
    topics: [],
    assignor: () => new Map(),
  });
  try {
    for (;;) {
      const error = failed();
      if (error) throw error;
      if ((await processed()) >= N) {
        const committed = await probe.committedOffsets(inputPartitions);
        if (
          inputPartitions.every(
            (tp) => (committed.get(partitionKey(tp)) ?? -1n) >= (ends[tp.partition] ?? 0n),
          )
        )
          return performance.now();
      }
      if (performance.now() - began > timeoutMs) throw new Error(`${groupId}: timed out`);
      await sleep(20);
    }
  } finally {
    await probe.leave();
  }
}

async function newOutput(name: string): Promise<string> {
  const output = `${prefix}.${name}.out`;
  // Default topic configs: platform/kafka chunks sends under the broker's 1 MiB limit.
  await admin.createTopics([{ name: output, partitions: PARTITIONS }]);
  return output;
}

async function outputCount(output: string): Promise<bigint> {
  return (await admin.endOffsets(output)).reduce((a, b) => a + b, 0n);
}

/**
 * Records in a topic, read in full (under exactly_once the end offsets also count the
 * transactions' commit markers).
 */
async function recordCount(topic: string): Promise<number> {
  const topicEnds = await admin.endOffsets(topic, "read_committed");
  const fetcher = createFetcher({ brokers, clientId: `${prefix}-count` });
  let positions = topicEnds.map((_, partition) => ({ topic, partition, offset: 0n }));
  let n = 0;
  try {
    while (positions.length > 0) {
      const fetched = await fetcher.fetch(positions, { maxWaitMs: 50 });
      for (const f of fetched) {
        n += f.records.length;
        positions = positions.map((p) =>
          p.partition === f.partition ? { ...p, offset: f.nextOffset } : p,
        );
      }
      positions = positions.filter((p) => p.offset < (topicEnds[p.partition] ?? 0n));
    }
  } finally {
    await fetcher.close();
  }
  return n;
}

/**
 * The replay with the record cache on (the default, 10 MiB) or off: the timed run, its
 * per-100,000 rates, and derived (outputs) and changelog records per input record.
 */
async function replay(guarantee: Guarantee, cache: boolean): Promise<Result> {
  const g = guarantee === "exactly_once" ? "eos" : "alos";
  const name = `replay-${g}-cache-${cache ? "on" : "off"}`;
  const trending = await newOutput(`${name}-trending`);
  const run = await engine(
    `replay: count + hopping windows + suppress + top 10, record cache ${cache ? "on" : "off"}`,
    name,
    guarantee,
    (counts) => replayTopology({ counts, trending }),
    cache ? {} : { cacheMaxBytes: 0 },
  );
  const derived = (await recordCount(run.output)) + (await recordCount(trending));
  const changelogTopics = (await admin.listTopics()).filter(
    (t) => t.startsWith(run.config.applicationId) && t.endsWith("-changelog"),
  );
  let changelog = 0;
  for (const t of changelogTopics) changelog += await recordCount(t);
  return {
    ...run.result,
    slices: run.slices,
    cpuSlices: run.cpuSlices,
    derivedPerInput: derived / N,
    changelogPerInput: changelog / N,
  };
}

/**
 * The ceiling: the engine's loop without the engine. A group member owns all input
 * partitions, a Fetcher reads them (read_committed, maxWait 100 ms, like the runtime),
 * every record's key, value and timestamp go unchanged to the output, and every
 * commit interval (or 20,000 buffered records) the buffer is sent and the moved offsets
 * committed: producer.send + member.commit (at_least_once) or one transaction with
 * sendGroupOffsets (exactly_once).
 */
async function ceiling(guarantee: Guarantee, run: number): Promise<Result> {
  const name = `ceiling-${guarantee === "exactly_once" ? "eos" : "alos"}-${run}`;
  const groupId = `${prefix}.${name}`;
  const output = await newOutput(name);
  const eos = guarantee === "exactly_once";
  const fetcher = createFetcher({ brokers, clientId: `${groupId}-c` });
  const producer = createProducer({
    brokers,
    clientId: `${groupId}-c`,
    ...(eos ? { transactionalId: `${groupId}-tx` } : {}),
  });
  const member = createGroupMember({
    brokers,
    clientId: `${groupId}-c`,
    groupId,
    topics: [input],
    assignor: (members, counts) =>
      new Map(
        members.map((m, i) => [
          m,
          i === 0
            ? [...counts].flatMap(([topic, n]) =>
                Array.from({ length: n }, (_, partition) => ({ topic, partition })),
              )
            : [],
        ]),
      ),
  });
  const startBegan = performance.now();
  let failure: Error | undefined;
  let processed = 0;
  let running = true;
  try {
    if (eos) await producer.initTransactions();
    await member.join();
    const committed = await member.committedOffsets(member.assignment());
    const positions = new Map<string, { tp: TopicPartition; offset: bigint }>();
    const committedAt = new Map<string, bigint>();
    for (const tp of member.assignment()) {
      const offset = committed.get(partitionKey(tp)) ?? 0n;
      positions.set(partitionKey(tp), { tp, offset });
      committedAt.set(partitionKey(tp), offset);
    }
    const stopProfile = await profileWindow(name);
    const began = performance.now();
    let buffered: OutRecord[] = [];
    let lastCommit = Date.now();
    const commit = async () => {
      const offsets = [...positions]
        .filter(([key, p]) => committedAt.get(key) !== p.offset)
        .map(([, p]) => ({ ...p.tp, offset: p.offset }));
      if (buffered.length === 0 && offsets.length === 0) {
        lastCommit = Date.now();
        return;
      }
      if (eos) {
        const tx = await producer.transaction();
        await tx.send(buffered);
        await tx.sendGroupOffsets(member, offsets);
        await tx.commit();
      } else {
        await producer.send(buffered);
        await member.commit(offsets);
      }
      buffered = [];
      for (const [key, p] of positions) committedAt.set(key, p.offset);
      lastCommit = Date.now();
    };
    const loop = (async () => {
      while (running) {
        const fetched = await fetcher.fetch(
          [...positions.values()].map((p) => ({ ...p.tp, offset: p.offset })),
          { maxWaitMs: 100 },
        );
        for (const f of fetched) {
          for (const r of f.records) {
            buffered.push({ topic: output, key: r.key, value: r.value, timestamp: r.timestamp });
          }
          processed += f.records.length;
          const key = partitionKey(f);
          const p = positions.get(key);
          if (p) p.offset = f.nextOffset;
        }
        if (buffered.length >= maxBuffered || Date.now() - lastCommit >= commitIntervalMs)
          await commit();
      }
    })().catch((error: unknown) => {
      failure = error as Error;
    });
    const done = await untilCommitted(
      groupId,
      () => processed,
      () => failure,
      began,
    );
    running = false;
    await loop;
    await stopProfile();
    return {
      scenario: `ceiling (raw Fetcher + producer), run ${run}`,
      guarantee,
      seconds: (done - began) / 1000,
      startSeconds: (began - startBegan) / 1000,
      processed,
      outputRecords: await outputCount(output),
    };
  } finally {
    running = false;
    await member.leave().catch(() => {});
    await producer.close().catch(() => {});
    await fetcher.close().catch(() => {});
  }
}

async function processedOf(app: StreamsApp): Promise<number> {
  const metric = await app.metrics.processed.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

/** Input records processed: sub-topology 0's tasks (not the re-read repartition records). */
async function inputProcessedOf(app: StreamsApp): Promise<number> {
  const metric = await app.metrics.processed.get();
  return metric.values
    .filter((v) => String(v.labels.task).startsWith("0_"))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Wraps `processed` so each call also notes when the count passed every 100,000: the
 * replay's per-slice rates (the watcher polls every 20 ms).
 */
function sliceRecorder(processed: () => Promise<number>, began: number) {
  const SLICE = 100_000;
  const passed: number[] = [];
  // This process's CPU time (user + system, µs) at each crossing: the engine's own cost
  // per record, much less sensitive than wall time to other work on a shared machine.
  const cpu = (() => {
    const u = process.cpuUsage();
    return u.user + u.system;
  })();
  const cpuPassed: number[] = [];
  return {
    processed: async () => {
      const n = await processed();
      while ((passed.length + 1) * SLICE <= n) {
        passed.push(performance.now());
        const u = process.cpuUsage();
        cpuPassed.push(u.user + u.system);
      }
      return n;
    },
    rates: () =>
      passed.map((at, i) => (SLICE * 1000) / (at - (i === 0 ? began : (passed[i - 1] as number)))),
    /** Records per CPU-second of this process, per slice. */
    cpuRates: () =>
      cpuPassed.map(
        (at, i) => (SLICE * 1e6) / (at - (i === 0 ? cpu : (cpuPassed[i - 1] as number))),
      ),
  };
}

function appConfig(name: string, guarantee: Guarantee) {
  const applicationId = `${prefix}.${name}`;
  return {
    applicationId,
    brokers,
    processingGuarantee: guarantee,
    stateDir: mkdtempSync(join(stateRoot, `${name}-`)),
    instanceId: "a",
    commitIntervalMs,
  };
}

async function engine(
  scenario: string,
  name: string,
  guarantee: Guarantee,
  topology: (output: string) => Topology,
  extra: { cacheMaxBytes?: number } = {},
): Promise<{
  result: Result;
  config: ReturnType<typeof appConfig>;
  output: string;
  slices: number[];
  cpuSlices: number[];
}> {
  const output = await newOutput(name);
  const config = { ...appConfig(name, guarantee), ...extra };
  const app = new StreamsApp(topology(output), config);
  const startBegan = performance.now();
  try {
    // The profile starts before start(): processing begins inside it.
    const stopProfile = await profileWindow(name);
    await app.start();
    const began = performance.now();
    const slices = sliceRecorder(() => inputProcessedOf(app), began);
    const done = await untilCommitted(
      config.applicationId,
      slices.processed,
      () => (app.state === "error" ? (app.error ?? new Error("app failed")) : undefined),
      began,
    );
    await stopProfile();
    const processed = await processedOf(app);
    await app.stop();
    return {
      result: {
        scenario,
        guarantee,
        seconds: (done - began) / 1000,
        startSeconds: (began - startBegan) / 1000,
        processed,
        outputRecords: await outputCount(output),
      },
      config,
      output,
      slices: slices.rates(),
      cpuSlices: slices.cpuRates(),
    };
  } finally {
    await app.stop().catch(() => {});
  }
}

interface Restore {
  guarantee: Guarantee;
  restored: number;
  tasks: number;
  startSeconds: number;
  /** Tasks 2..n, from the first task's end to the last one's: pure restore. */
  steadyRate: number;
  /** All records over the whole start() (topic checks, group join, every task). */
  overallRate: number;
  /** The pre-filled changelog (N distinct keys), not the count's own. */
  large?: boolean;
  /** Which store restored: in-memory, LMDB in an empty state dir, or LMDB from its checkpoint. */
  store?: string;
}

/**
 * A second instance of the count app (same application id, fresh stateDir, in-memory
 * store) restores every task's store from the changelog inside start(). Tasks restore
 * one after another; onRestore tells when each is done.
 */
async function restore(
  guarantee: Guarantee,
  config: ReturnType<typeof appConfig>,
  output: string,
  store: { persistent: boolean; stateDir?: string } = { persistent: false },
): Promise<Restore> {
  const app = new StreamsApp(countTopology(output, store.persistent), {
    ...config,
    instanceId: "restorer",
    stateDir: store.stateDir ?? mkdtempSync(join(stateRoot, "restore-")),
  });
  const finished = new Map<string, { at: number; restored: number }>();
  app.onRestore((p) => {
    if (p.done) finished.set(p.task, { at: performance.now(), restored: p.restored });
  });
  const began = performance.now();
  try {
    await app.start();
    const startSeconds = (performance.now() - began) / 1000;
    const tasks = [...finished.values()].sort((a, b) => a.at - b.at);
    const restored = tasks.reduce((s, t) => s + t.restored, 0);
    const first = tasks[0];
    const last = tasks.at(-1);
    const steadyRate =
      first && last && last.at > first.at
        ? ((restored - first.restored) * 1000) / (last.at - first.at)
        : Number.NaN;
    return {
      guarantee,
      restored,
      tasks: tasks.length,
      startSeconds,
      steadyRate,
      overallRate: restored / startSeconds,
    };
  } finally {
    await app.stop().catch(() => {});
  }
}

/**
 * The count's own changelog is small (one record per track touched per commit: a few
 * tens of thousands), too small to time well. So also: a fresh count app whose changelog
 * is pre-filled (not timed) with N records of N distinct keys (8-byte counts), restored
 * the same way.
 */
async function largeRestore(withLmdb: boolean): Promise<Restore[]> {
  const output = await newOutput("restore-large");
  const config = appConfig("restore-large", "at_least_once");
  const changelog = changelogTopicName(config.applicationId, "plays-per-track");
  await admin.createTopics([
    { name: changelog, partitions: PARTITIONS, config: { "cleanup.policy": "compact" } },
  ]);
  const producer = createProducer({ brokers, clientId: `${prefix}-changelog` });
  let made = 0;
  try {
    const lanes = Array.from({ length: 4 }, async () => {
      while (made < N) {
        const records: OutRecord[] = [];
        for (let i = 0; i < 5_000 && made < N; i++, made++) {
          const value = Buffer.alloc(8);
          value.writeBigInt64BE(BigInt(1 + (made % 97)));
          records.push({ topic: changelog, key: Buffer.from(`track-${made}`), value });
        }
        await producer.send(records);
      }
    });
    await Promise.all(lanes);
  } finally {
    await producer.close();
  }
  const results = [
    { ...(await restore("at_least_once", config, output)), large: true, store: "in-memory" },
  ];
  if (withLmdb) {
    // The same changelog into LMDB: first into an empty state dir (a new machine, a lost
    // disk), then again into the dir the first left behind (a restart: its checkpoint
    // says how far the store already is, so only the tail is read).
    const stateDir = mkdtempSync(join(stateRoot, "restore-lmdb-"));
    const lmdb = { persistent: true, stateDir };
    results.push({
      ...(await restore("at_least_once", config, output, lmdb)),
      large: true,
      store: "LMDB, empty state dir",
    });
    results.push({
      ...(await restore("at_least_once", config, output, lmdb)),
      large: true,
      store: "LMDB, from its checkpoint",
    });
  }
  return results;
}

// ------------------------------------------------------------------ kafka-streams (npm)

interface KsStream {
  map(fn: (m: Record<string, unknown>) => unknown): KsStream;
  countByKey(key: string, field: string): KsStream;
  to(topic: string, partitions: number, produceType: string): Promise<unknown>;
  start(ready: () => void, error: (e: unknown) => void): Promise<unknown>;
  kafka?: { kafkaConsumerClient?: { client?: { brokers?: Record<string, unknown> } } };
}

/**
 * The same count with the npm `kafka-streams` package (JS client: sinek's legacy Kafka
 * class over kafka-node), at-least-once by auto-commit, in-memory store without changelog.
 * Runs until every record is counted, or gives up after --kafka-streams-timeout seconds
 * without a single record and reports why.
 */
async function kafkaStreams(): Promise<
  { ok: true; result: Result } | { ok: false; error: string }
> {
  const require = createRequire(import.meta.url);
  const { KafkaStreams } = require("kafka-streams") as {
    KafkaStreams: new (
      config: unknown,
    ) => {
      getKStream(topic: string): KsStream;
      closeAll(): Promise<unknown>;
    };
  };
  const name = "kafka-streams-alos";
  const output = await newOutput(name);
  const groupId = `${prefix}.${name}`;
  const factory = new KafkaStreams({
    kafkaHost: brokers.join(","),
    groupId,
    clientName: groupId,
    workerPerPartition: 1,
    options: {
      fromOffset: "earliest",
      autoCommit: true,
      autoCommitIntervalMs: commitIntervalMs,
      sessionTimeout: 10_000,
    },
  });
  const stream = factory.getKStream(input);
  const errors: string[] = [];
  let counted = 0;
  stream
    .map((m) => ({ key: String(m.key), value: m.value }))
    .countByKey("key", "count")
    .map((m) => {
      counted++;
      return { key: m.key, value: String(m.count) };
    })
    .to(output, PARTITIONS, "send")
    .catch((e: unknown) => errors.push(`to(): ${String(e)}`));
  const began = performance.now();
  let done: number | undefined;
  try {
    await Promise.race([
      stream.start(
        () => {},
        (e: unknown) => errors.push(String((e as Error)?.stack ?? e).split("\n")[0] ?? ""),
      ),
      sleep(ksTimeoutMs),
    ]);
    for (;;) {
      if (counted >= N) {
        done = performance.now();
        break;
      }
      if (counted === 0 && performance.now() - began > ksTimeoutMs) break;
      if (performance.now() - began > timeoutMs) break;
      await sleep(100);
    }
    if (done === undefined) {
      // What kafka-node negotiated with the broker (its ApiVersions table, per broker).
      const table = Object.values(stream.kafka?.kafkaConsumerClient?.client?.brokers ?? {})
        .map(
          (b) =>
            (b as { apiSupport?: Record<string, { min: number; usable: unknown }> }).apiSupport,
        )
        .find((s) => s !== undefined);
      const versionsNote = table
        ? ["offset", "fetch", "produce"]
            .map((api) => {
              const v = table[api];
              const label = { offset: "ListOffsets", fetch: "Fetch", produce: "Produce" }[api];
              return v
                ? `${label}: kafka-node sends v${String(v.usable)}, broker's lowest is v${v.min}`
                : "";
            })
            .join("; ")
        : "kafka-node's ApiVersions table not found";
      const distinct = [...new Set(errors)];
      return {
        ok: false,
        error:
          `counted ${counted} of ${N} records in ${(ksTimeoutMs / 1000).toFixed(0)} s; ` +
          `client errors (${errors.length}, distinct: ${distinct.slice(0, 3).join(" | ") || "none"}); ${versionsNote}`,
      };
    }
    return {
      ok: true,
      result: {
        scenario: "kafka-streams 5.0.0 countByKey (npm)",
        guarantee: "at_least_once",
        seconds: (done - began) / 1000,
        startSeconds: 0,
        processed: counted,
        outputRecords: await outputCount(output),
        note: "timed from start() (join included); in-memory store, no changelog",
      },
    };
  } finally {
    await Promise.race([factory.closeAll().catch(() => {}), sleep(5_000)]);
  }
}

// ------------------------------------------------------------------ the run

const results: Result[] = [];
const restores: Restore[] = [];
let ksOutcome: string | undefined;
const started = new Date();
const loadAtStart = load();

say(
  `streams bench: ${fmt(N)} records, ${PARTITIONS} partitions, commit interval ${commitIntervalMs} ms (ceiling and engine), ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, Kafka ${versions.kafka} at ${brokers.join(",")}, ` +
    `load ${loadAtStart}, ${started.toISOString()}`,
);

try {
  await admin.createTopics([{ name: input, partitions: PARTITIONS }]);
  const t0 = performance.now();
  const produced = await produceInput();
  ends = await admin.endOffsets(input, "read_committed");
  const total = ends.reduce((a, b) => a + b, 0n);
  if (total !== BigInt(N)) throw new Error(`input holds ${total} records, expected ${N}`);
  say(
    `input ${input}: ${fmt(N)} plays (${produced.keys} distinct tracks, ${(produced.bytes / N).toFixed(0)} bytes/value avg, ` +
      `${fmt(produced.kept)} pass the filter), produced in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed); ` +
      `per partition ${ends.join(", ")}`,
  );
  const show = (r: Result) =>
    say(
      `  ${r.scenario} [${r.guarantee}]: ${r.seconds.toFixed(2)} s, ${fmt(N / r.seconds)} records/s ` +
        `(start ${r.startSeconds.toFixed(2)} s, processed ${fmt(r.processed)}, output log end ${r.outputRecords}; load ${load()})`,
    );
  const record = (r: Result) => {
    results.push(r);
    show(r);
  };

  if (only.has("ceiling")) for (const g of runGuarantees) record(await ceiling(g, 1));
  if (only.has("stateless"))
    for (const g of runGuarantees)
      record(
        (
          await engine(
            "stateless filter + mapValues",
            `stateless-${g === "exactly_once" ? "eos" : "alos"}`,
            g,
            statelessTopology,
          )
        ).result,
      );
  if (only.has("stateful"))
    for (const g of runGuarantees) {
      const run = await engine(
        "count per track, in-memory store",
        `count-mem-${g === "exactly_once" ? "eos" : "alos"}`,
        g,
        (out) => countTopology(out, false),
      );
      record(run.result);
      const r = await restore(g, run.config, run.output);
      restores.push(r);
      say(
        `  restore [${g}]: ${fmt(r.restored)} changelog records over ${r.tasks} tasks; ${fmt(r.steadyRate)} records/s ` +
          `(tasks 2..${r.tasks}), ${fmt(r.overallRate)} records/s over the whole start() of ${r.startSeconds.toFixed(2)} s`,
      );
    }
  if ((only.has("stateful") && runGuarantees.includes("at_least_once")) || only.has("restore"))
    for (const r of await largeRestore(only.has("restore"))) {
      restores.push(r);
      say(
        `  restore of a pre-filled changelog (${r.store}): ${fmt(r.restored)} records over ${r.tasks} tasks; ${fmt(r.steadyRate)} records/s ` +
          `(tasks 2..${r.tasks}), ${fmt(r.overallRate)} records/s over the whole start() of ${r.startSeconds.toFixed(2)} s`,
      );
    }
  if (only.has("lmdb"))
    for (const g of runGuarantees)
      record(
        (
          await engine(
            "count per track, LMDB store",
            `count-lmdb-${g === "exactly_once" ? "eos" : "alos"}`,
            g,
            (out) => countTopology(out, true),
          )
        ).result,
      );
  if (only.has("replay"))
    for (const g of runGuarantees) {
      for (const cache of args["replay-cache"].split(",").map((c) => c === "on")) {
        const r = await replay(g, cache);
        record(r);
        say(
          `    per 100,000 records (records/s): ${(r.slices ?? []).map(fmt).join(", ")}; ` +
            `per CPU-second of this process: ${(r.cpuSlices ?? []).map(fmt).join(", ")}; ` +
            `derived records per input ${r.derivedPerInput?.toFixed(3)}, changelog records per input ${r.changelogPerInput?.toFixed(3)}`,
        );
      }
    }
  if (only.has("ceiling")) for (const g of runGuarantees) record(await ceiling(g, 2));
  if (only.has("kafka-streams") && runGuarantees.includes("at_least_once")) {
    const ks = await kafkaStreams();
    if (ks.ok) record(ks.result);
    else {
      ksOutcome = ks.error;
      say(`  kafka-streams 5.0.0: could not run: ${ks.error}`);
    }
  }

  // ---------------------------------------------------------------- the table
  const ceilingRate = (g: Guarantee) => {
    const runs = results.filter((r) => r.guarantee === g && r.scenario.startsWith("ceiling"));
    return runs.length === 0
      ? Number.NaN
      : runs.reduce((s, r) => s + N / r.seconds, 0) / runs.length;
  };
  const targetOf = (r: Result) =>
    r.scenario.startsWith("stateless")
      ? 0.8
      : r.scenario.startsWith("count")
        ? r.guarantee === "exactly_once"
          ? 0.4
          : 0.6
        : undefined;
  say("");
  say(
    `machine: ${availableParallelism()} cores, ${cpus()[0]?.model ?? "?"}; Node ${process.version}; Kafka ${versions.kafka} (native stack); ` +
      `load average at start ${loadAtStart}, at end ${load()}; ${started.toISOString()}`,
  );
  say("");
  say("| scenario | guarantee | records | seconds | records/s | ratio to ceiling | target |");
  say("| --- | --- | ---: | ---: | ---: | ---: | --- |");
  for (const g of guarantees) {
    const c = ceilingRate(g);
    if (!Number.isNaN(c))
      say(`| **ceiling, mean of the runs** | ${g} | ${fmt(N)} | – | **${fmt(c)}** | 1.00 | – |`);
    for (const r of results.filter((x) => x.guarantee === g)) {
      const rate = N / r.seconds;
      const ratio = rate / c;
      const target = targetOf(r);
      const verdict =
        target === undefined || Number.isNaN(ratio)
          ? "–"
          : `≥ ${target} ${ratio >= target ? "met" : "**NOT met**"}`;
      say(
        `| ${r.scenario} | ${g} | ${fmt(N)} | ${r.seconds.toFixed(2)} | ${fmt(rate)} | ${Number.isNaN(ratio) ? "–" : ratio.toFixed(2)} | ${verdict} |`,
      );
    }
  }
  const replays = results.filter((r) => r.slices);
  if (replays.length > 0) {
    say("");
    const width = Math.max(...replays.map((r) => r.slices?.length ?? 0));
    say(
      `| replay | guarantee | ${Array.from({ length: width }, (_, i) => `${i + 1}00k`).join(" | ")} | last / first | derived per input | changelog per input |`,
    );
    say(`| --- | --- |${" ---: |".repeat(width + 3)}`);
    for (const r of replays) {
      const cache = r.scenario.endsWith("on") ? "on" : "off";
      for (const [unit, s] of [
        ["records/s", r.slices ?? []],
        ["records per CPU-s", r.cpuSlices ?? []],
      ] as const) {
        const ratio = (s.at(-1) ?? Number.NaN) / (s[0] ?? Number.NaN);
        say(
          `| cache ${cache}, ${unit} | ${r.guarantee} | ${s.map(fmt).join(" | ")} | ${ratio.toFixed(2)} | ${r.derivedPerInput?.toFixed(3)} | ${r.changelogPerInput?.toFixed(3)} |`,
        );
      }
    }
  }
  for (const r of restores)
    say(
      `restore (new instance, store: ${r.store ?? "in-memory"}) ${r.large ? "of a pre-filled changelog (N distinct keys)" : `after the ${r.guarantee} count`}: ${fmt(r.restored)} changelog records, ` +
        `${fmt(r.steadyRate)} records/s (tasks 2..${r.tasks}); ${fmt(r.overallRate)} records/s over start() (${r.startSeconds.toFixed(2)} s, join included)`,
    );
  if (ksOutcome)
    say(`kafka-streams 5.0.0 (npm): could not run against Kafka ${versions.kafka}: ${ksOutcome}`);
} finally {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  await admin.deleteTopics(topics).catch((e) => say(`cleanup: ${e}`));
  await admin.close();
  rmSync(stateRoot, { recursive: true, force: true });
  say(`cleaned up ${topics.length} topics (${prefix}.*) and ${stateRoot}`);
}
// kafka-node keeps reconnect timers alive after a failed run.
process.exit(0);
