/**
 * The soak (issue 12): the listener simulator and the API under steady load for
 * --minutes (default 10), with the processors and the sinks SIGKILLed at random and
 * started again, every process in its own OS process. Prints each process's resident
 * memory over time, checks that nothing is lost or doubled (every command the API
 * accepted is in its topic once; every view equals the truth read from the raw topics),
 * and lists every error the processes logged, grouped.
 *
 *   npx tsx bench/soak/run.ts [--minutes 10] [--rate 100] [--api-rate 15] [--keep]
 *
 * Runs on the native stack (or KAFKA_BROKERS, …) under its own prefix: bench.soak.<id>.
 * Nothing of the shared stack is stopped. Exit code 1 when something was lost or doubled.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createAuth } from "../../api/http/auth.ts";
import { checkTopologies } from "../../api/state/derived-view.ts";
import { demoListening, generateDemoCatalog } from "../../connect/demo/index.ts";
import { databaseUrlFor, endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, type InRecord } from "../../platform/kafka/index.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { eventHeaders } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { FeedbackSubmitted, TrackLiked } from "../../schemas/generated/index.ts";
import { dropAll, quote } from "../../sinks/engine/index.ts";
import { feedbackView } from "../../sinks/postgres/feedback/view.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { baseOf } from "../../sinks/runtime.ts";
import { readWholeTopic, tally } from "../../tests/support/faults.ts";
import { processorsCaughtUp } from "../../tests/support/processors-caught-up.ts";
import {
  freePort,
  get,
  type LogLine,
  ProcessorsProcess,
} from "../../tests/support/processors-process.ts";

const { values: args } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "100" },
    "api-rate": { type: "string", default: "15" },
    keep: { type: "boolean", default: false },
    // After an interrupted run: remove that run's topics, subjects and view schemas.
    cleanup: { type: "string" },
  },
});
const minutes = Number(args.minutes);
const simulatorRate = Number(args.rate);
const apiRate = Number(args["api-rate"]);
const seed = 4242;
const jwtSecret = "soak-secret-0123456789-0123456789-0123";
const topologies = [...checkTopologies, "plays-per-track", "track-like-counts"];

const endpoints = endpointsFromEnv();
const id = args.cleanup ?? randomUUID().slice(0, 8);
const topicPrefix = `bench.soak.${id}.`;
const schemaPrefix = `b_${id}_`;
const stateDir = mkdtempSync(join(tmpdir(), "vobe-soak-"));
const began = Date.now();
const at = () => (Date.now() - began) / 1000;
const stamp = () => `${at().toFixed(0).padStart(4)} s`;
const say = (line: string) => console.log(`${stamp()}  ${line}`);
const prefixed = (topic: string) => `${topicPrefix}${topic}`;

const cliEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  KAFKA_BROKERS: endpoints.kafkaBrokers.join(","),
  SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
  DATABASE_URL: endpoints.databaseUrl,
  SEARCH_URL: endpoints.searchUrl,
  ...extra,
});

/** A named process and its incarnations: each SIGKILL starts a new one. */
interface Role {
  name: string;
  incarnation: number;
  current: ProcessorsProcess | undefined;
  /** Every incarnation's log lines and stderr, kept after it died. */
  past: ProcessorsProcess[];
  start(): Promise<ProcessorsProcess>;
}

function role(
  name: string,
  spawn: () => ProcessorsProcess,
  ready: (p: ProcessorsProcess) => Promise<void>,
): Role {
  const r: Role = {
    name,
    incarnation: 0,
    current: undefined,
    past: [],
    async start() {
      const child = spawn();
      r.current = child;
      r.past.push(child);
      r.incarnation++;
      await ready(child);
      return child;
    },
  };
  return r;
}

const untilHealthy = (port: number) => async (child: ProcessorsProcess) => {
  const deadline = Date.now() + 300_000;
  for (;;) {
    if ((await get(`http://127.0.0.1:${port}/health`, 2_000)).status === 200) return;
    if (!child.alive) throw new Error(`exited: ${child.stderr.join("").slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`not healthy on :${port} in 300 s`);
    await sleep(500);
  }
};
const untilLog = (text: string) => async (child: ProcessorsProcess) => {
  await child.waitForLog((l) => l.msg?.startsWith(text) === true, 300_000);
};

/** Resident memory of a process in MiB, from /proc (Linux). */
function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  say(`soak ${id}: ${minutes} min, simulator ${simulatorRate} plays/s, API ${apiRate} commands/s`);
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: prefixedCatalog(topicPrefix, catalog),
  });
  // The tiny demo catalog under the prefix: tracks the API's plays and likes can name.
  const load = new ProcessorsProcess(
    [
      "cli/main.ts",
      "demo",
      "load",
      "--size",
      "tiny",
      "--seed",
      String(seed),
      "--topic-prefix",
      topicPrefix,
    ],
    cliEnv(),
  );
  const loaded = await load.exited;
  if (loaded.code !== 0) throw new Error(`demo load failed: ${load.stderr.join("")}`);
  const demo = demoListening(generateDemoCatalog({ size: "tiny", seed }));
  say(`demo catalog loaded: ${demo.tracks.length} tracks, ${demo.userIds.length} listeners`);

  const processorsPort = await freePort();
  const sinksPort = await freePort();
  const apiPort = await freePort();
  const processors = role(
    "processors",
    () =>
      new ProcessorsProcess(
        [
          "cli/main.ts",
          "serve",
          "processors",
          "--prefix",
          topicPrefix,
          "--state-dir",
          stateDir,
          "--only",
          ...topologies,
        ],
        cliEnv({ VOBE_PROCESSORS_PORT: String(processorsPort), VOBE_INSTANCE_ID: "soak" }),
      ),
    untilHealthy(processorsPort),
  );
  const sinks = role(
    "sinks",
    () =>
      new ProcessorsProcess(
        [
          "cli/main.ts",
          "serve",
          "sinks",
          "--prefix",
          topicPrefix,
          "--schema-prefix",
          schemaPrefix,
          "--only",
          "listening",
          "feedback",
        ],
        cliEnv({ VOBE_SINKS_PORT: String(sinksPort) }),
      ),
    untilLog("sinks running"),
  );
  const api = role(
    "api",
    () =>
      new ProcessorsProcess([
        "bench/soak/api-child.ts",
        JSON.stringify({ endpoints, topicPrefix, schemaPrefix, jwtSecret }),
        String(apiPort),
      ]),
    untilLog("listening"),
  );
  const seconds = Math.round(minutes * 60);
  const simulator = role(
    "simulator",
    () =>
      new ProcessorsProcess(
        [
          "cli/main.ts",
          "demo",
          "simulate",
          "--rate",
          String(simulatorRate),
          "--duration",
          String(seconds),
          "--size",
          "tiny",
          "--seed",
          String(seed),
          "--topic-prefix",
          topicPrefix,
        ],
        cliEnv(),
      ),
    async () => {},
  );
  const roles = [api, processors, sinks, simulator];

  // Memory of every process, every 10 s, from the first start on.
  const samples: Array<{ t: number; role: string; incarnation: number; mib: number }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const r of roles) {
        const mib = r.current?.alive ? rssMiB(r.current.child.pid) : undefined;
        if (mib !== undefined)
          samples.push({ t: at(), role: r.name, incarnation: r.incarnation, mib });
      }
      const self = process.memoryUsage().rss / 2 ** 20;
      samples.push({ t: at(), role: "driver", incarnation: 1, mib: self });
      await sleep(10_000);
    }
  })();

  await Promise.all([processors.start(), sinks.start()]);
  say("processors and sinks up");
  await api.start();
  say(`api up on :${apiPort}`);

  // The API's load: plays (1-3 per request, a transaction each), likes, feedback.
  const auth = createAuth({ secret: jwtSecret });
  const tokens = await Promise.all(
    demo.userIds.map(
      async (userId) => (await auth.issue({ userId, role: "listener", username: "soak" })).token,
    ),
  );
  const accepted = {
    plays: new Set<string>(),
    likes: new Set<string>(),
    feedback: new Set<string>(),
  };
  const answers: string[] = [];
  let inFlight = 0;
  let apiRunning = true;
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)] as T;
  const command = async () => {
    const token = pick(tokens);
    const track = pick(demo.tracks);
    const roll = Math.random();
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const url = `http://127.0.0.1:${apiPort}`;
    let kind: keyof typeof accepted;
    let res: Response;
    try {
      if (roll < 0.6) {
        kind = "plays";
        const plays = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => {
          const t = pick(demo.tracks);
          return {
            trackId: t.trackId,
            listenedMs: Math.floor(t.durationMs / 2),
            trackDurationMs: t.durationMs,
          };
        });
        res = await fetch(`${url}/api/listening/plays`, {
          method: "POST",
          headers,
          body: JSON.stringify({ plays }),
          signal: AbortSignal.timeout(30_000),
        });
      } else if (roll < 0.85) {
        kind = "likes";
        res = await fetch(`${url}/api/listening/tracks/${track.trackId}/like`, {
          method: Math.random() < 0.6 ? "PUT" : "DELETE",
          headers: { authorization: headers.authorization },
          signal: AbortSignal.timeout(30_000),
        });
      } else {
        kind = "feedback";
        res = await fetch(`${url}/api/feedback`, {
          method: "POST",
          headers,
          body: JSON.stringify({ category: "other", message: `soak ${randomUUID()}` }),
          signal: AbortSignal.timeout(30_000),
        });
      }
    } catch (error) {
      answers.push(`no answer (${(error as Error).name})`);
      return;
    }
    const body = (await res.json().catch(() => ({}))) as {
      plays?: { eventId: string }[];
      eventId?: string;
      error?: { code?: string };
    };
    answers.push(`${kind} ${res.status}${body.error?.code ? ` ${body.error.code}` : ""}`);
    if (res.status !== 202) return;
    for (const e of body.plays ?? [{ eventId: body.eventId as string }])
      accepted[kind].add(e.eventId);
  };
  const apiLoad = (async () => {
    const gap = 1000 / apiRate;
    let next = performance.now();
    while (apiRunning) {
      next += gap;
      if (inFlight < 50) {
        inFlight++;
        void command().finally(() => inFlight--);
      }
      await sleep(Math.max(0, next - performance.now()));
    }
    while (inFlight > 0) await sleep(50);
  })();

  simulator.start();
  say("simulator and API load running");

  // Kills: every 20-70 s one of the processors or the sinks, until the last minute.
  const kills: string[] = [];
  const chaosUntil = began + (minutes * 60 - 60) * 1000;
  const loadStarted = Date.now();
  while (Date.now() < Math.min(chaosUntil, loadStarted + seconds * 1000 - 60_000)) {
    await sleep(20_000 + Math.random() * 50_000);
    const victim = Math.random() < 0.5 ? processors : sinks;
    const child = victim.current as ProcessorsProcess;
    child.child.kill("SIGKILL");
    await child.exited;
    const t0 = Date.now();
    await victim.start();
    kills.push(
      `${stamp()} ${victim.name} SIGKILLed, up again in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    say(`${victim.name} SIGKILLed and started again (${victim.incarnation})`);
  }
  await simulator.current?.exited;
  apiRunning = false;
  await apiLoad;
  say(
    `load over: ${answers.length} API commands, ${JSON.stringify(Object.fromEntries(tally(answers)))}`,
  );

  // Caught up, then the truth from the raw topics against the topics and the views.
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-soak" });
  const decoder = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const problems: string[] = [];
  const listeningPool = createPool(databaseUrlFor(endpoints, "listening"), 2);
  const feedbackPool = createPool(databaseUrlFor(endpoints, "feedback"), 2);
  try {
    await processorsCaughtUp({ admin, topicPrefix, topologies, timeoutMs: 300_000 });
    await sinksCaughtUp(
      admin,
      listeningPool,
      `${schemaPrefix}listening`,
      listeningView.events.map((e) => prefixed(e.topic)),
    );
    await sinksCaughtUp(
      admin,
      feedbackPool,
      `${schemaPrefix}feedback`,
      feedbackView.events.map((e) => prefixed(e.topic)),
    );
    say("processors and sinks caught up");

    const read = (topic: string) => readWholeTopic(endpoints.kafkaBrokers, prefixed(topic));
    const ids = (records: InRecord[]) =>
      tally(records.map((r) => r.headers.get(eventHeaders.eventId)?.toString() ?? ""));
    const plays = await read("listening.plays");
    const likes = await read("listening.likes");
    const feedback = await read("feedback.feedback");
    for (const [kind, records] of [
      ["plays", plays],
      ["likes", likes],
      ["feedback", feedback],
    ] as const) {
      const counts = ids(records);
      const lost = [...accepted[kind]].filter((e) => !counts.has(e));
      const doubled = [...counts].filter(([, n]) => n > 1);
      if (lost.length > 0)
        problems.push(`${kind}: ${lost.length} accepted events not in the topic`);
      if (doubled.length > 0) problems.push(`${kind}: ${doubled.length} event ids more than once`);
      say(
        `${kind}: ${records.length} records, ${accepted[kind].size} accepted by the API, ${lost.length} lost, ${doubled.length} doubled`,
      );
    }

    // Plays: per track, distinct play ids, against the view's play rows and counts.
    const byTrack = new Map<string, Set<string>>();
    for (const r of plays) {
      const play = (await decoder.decode(r.value as Buffer)) as { playId: string; trackId: string };
      const set = byTrack.get(play.trackId) ?? new Set<string>();
      set.add(play.playId);
      byTrack.set(play.trackId, set);
    }
    const schema = quote(`${schemaPrefix}listening`);
    const counts = await listeningPool.query<{ track_id: string; plays: string }>(
      `select track_id, plays from ${schema}.track_play_counts`,
    );
    const rows = await listeningPool.query<{ track_id: string; n: string; d: string }>(
      `select track_id, count(*) as n, count(distinct play_id) as d from ${schema}.plays group by track_id`,
    );
    const countOf = new Map(counts.rows.map((r) => [r.track_id, Number(r.plays)]));
    const rowsOf = new Map(rows.rows.map((r) => [r.track_id, Number(r.n)]));
    for (const [track, set] of byTrack) {
      if (countOf.get(track) !== set.size)
        problems.push(`track ${track}: ${set.size} plays, view count ${countOf.get(track)}`);
      if (rowsOf.get(track) !== set.size)
        problems.push(`track ${track}: ${set.size} plays, ${rowsOf.get(track)} play rows`);
    }
    // Likes: each (track, listener)'s latest event, against the view's like counts.
    const latest = new Map<string, boolean>();
    for (const r of [...likes].sort(
      (a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : 1),
    )) {
      const e = (await decoder.decode(r.value as Buffer)) as { trackId: string; userId: string };
      latest.set(
        `${e.trackId}/${e.userId}`,
        r.headers.get(eventHeaders.eventType)?.toString() === TrackLiked.name,
      );
    }
    const likeTruth = tally(
      [...latest].filter(([, liked]) => liked).map(([slot]) => slot.split("/")[0] as string),
    );
    const likeRows = await listeningPool.query<{ track_id: string; likes: string }>(
      `select track_id, likes from ${schema}.track_like_counts`,
    );
    const viewLikes = new Map(likeRows.rows.map((r) => [r.track_id, Number(r.likes)]));
    for (const track of new Set([...likeTruth.keys(), ...viewLikes.keys()])) {
      if ((likeTruth.get(track) ?? 0) !== (viewLikes.get(track) ?? 0))
        problems.push(
          `track ${track}: ${likeTruth.get(track) ?? 0} likes, view ${viewLikes.get(track)}`,
        );
    }
    // One row per FeedbackSubmitted (the demo's triage and resolve events share the topic).
    const submitted = feedback.filter(
      (r) => r.headers.get(eventHeaders.eventType)?.toString() === FeedbackSubmitted.name,
    ).length;
    const items = await feedbackPool.query<{ n: string }>(
      `select count(*) as n from ${quote(`${schemaPrefix}feedback`)}.items`,
    );
    if (Number(items.rows[0]?.n) !== submitted)
      problems.push(`feedback: ${submitted} submitted, ${items.rows[0]?.n} view rows`);
    say(
      `views: ${byTrack.size} tracks played (${[...byTrack.values()].reduce((s, v) => s + v.size, 0)} distinct plays), ${likeTruth.size} tracks liked, ${items.rows[0]?.n} feedback items`,
    );
  } finally {
    sampling = false;
    await sampler;
    for (const r of roles) if (r.current?.alive) await r.current.kill();
    await admin.close();
    await listeningPool.end();
    await feedbackPool.end();
  }

  printMemory(samples, roles);
  printApiHeap(api);
  console.log(`\nkills (${kills.length}):\n${kills.map((k) => `  ${k}`).join("\n")}`);
  printErrors(roles);
  console.log(
    `\n${problems.length === 0 ? "nothing lost or doubled" : `PROBLEMS (${problems.length}):`}`,
  );
  for (const p of problems.slice(0, 50)) console.log(`  ${p}`);
  return problems.length === 0 ? 0 : 1;
}

/** Until the view's stored offsets reach the topics' read_committed ends, twice in a row. */
async function sinksCaughtUp(
  admin: ReturnType<typeof createAdmin>,
  pool: Pool,
  schema: string,
  topics: string[],
) {
  const deadline = Date.now() + 300_000;
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error(`${schema}: the sink did not catch up`);
    const stored = await pool
      .query<{ topic: string; partition: number; next_offset: string }>(
        `select topic, partition, next_offset from ${quote(schema)}.sink_offsets`,
      )
      .catch(() => ({ rows: [] }));
    const at = new Map(
      stored.rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]),
    );
    let behind = false;
    for (const topic of new Set(topics)) {
      const ends = await admin.endOffsets(topic, "read_committed");
      ends.forEach((end, p) => {
        if ((at.get(`${topic}:${p}`) ?? 0n) < end) behind = true;
      });
    }
    quiet = behind ? 0 : quiet + 1;
    await sleep(500);
  }
}

/** RSS per process, one column each, one row a minute (the last sample of the minute). */
function printMemory(
  samples: Array<{ t: number; role: string; incarnation: number; mib: number }>,
  roles: Role[],
) {
  const names = [...roles.map((r) => r.name), "driver"];
  console.log(
    `\nresident memory (MiB), last sample of each minute; #n = incarnation after n-1 kills`,
  );
  console.log(`  min  ${names.map((n) => n.padStart(16)).join("")}`);
  const last = Math.ceil(Math.max(...samples.map((s) => s.t)) / 60);
  for (let m = 1; m <= last; m++) {
    const cells = names.map((n) => {
      const s = samples.filter((x) => x.role === n && x.t <= m * 60 && x.t > (m - 1) * 60).at(-1);
      return (s ? `${s.mib.toFixed(0)} #${s.incarnation}` : "-").padStart(16);
    });
    console.log(`  ${String(m).padStart(3)}  ${cells.join("")}`);
  }
  // Flatness per incarnation: after its first 2 minutes (start-up, caches, JIT), the mean
  // of its first and last thirds of samples, and its peak.
  for (const n of names) {
    for (const incarnation of new Set(
      samples.filter((s) => s.role === n).map((s) => s.incarnation),
    )) {
      const life = samples.filter((s) => s.role === n && s.incarnation === incarnation);
      const born = life[0]?.t ?? 0;
      const own = life.filter((s) => s.t > born + 120);
      const span = `${born.toFixed(0)}-${(life.at(-1)?.t ?? 0).toFixed(0)} s`;
      if (own.length < 6) {
        console.log(
          `  ${n} #${incarnation} (${span}): too short to judge (peak ${Math.max(...life.map((s) => s.mib)).toFixed(0)} MiB)`,
        );
        continue;
      }
      const third = Math.floor(own.length / 3);
      const mean = (xs: typeof own) => xs.reduce((a, s) => a + s.mib, 0) / xs.length;
      const first = mean(own.slice(0, third));
      const end = mean(own.slice(-third));
      console.log(
        `  ${n} #${incarnation} (${span}): ${first.toFixed(0)} → ${end.toFixed(0)} MiB (${(end / first).toFixed(2)}×), peak ${Math.max(...own.map((s) => s.mib)).toFixed(0)} MiB`,
      );
    }
  }
}

/** The API's live heap (after a full GC, reported by the child) per minute. */
function printApiHeap(api: Role) {
  const reports = (api.past[0]?.lines ?? []).filter((l) => l.msg === "memory");
  if (reports.length === 0) return;
  // The child reports every 10 s: every sixth report is one a minute.
  const perMinute = 6;
  const mib = (n: unknown) => (Number(n) / 2 ** 20).toFixed(1);
  const row = reports
    .filter((_, i) => i % perMinute === perMinute - 1)
    .map((l) => `${mib(l.heapUsed)}`)
    .join(" ");
  console.log(`\napi live heap after a full GC (MiB), one a minute: ${row}`);
}

/** Every error-level line (pino level ≥ 50) and stderr text, grouped by message. */
function printErrors(roles: Role[]) {
  console.log(`\nwarnings and errors logged, grouped (pino level ≥ 40, and stderr):`);
  for (const r of roles) {
    const lines: string[] = [];
    for (const p of r.past) {
      for (const l of p.lines as LogLine[]) {
        const level = l.level ?? 0;
        if (level >= 40) {
          const label = level >= 50 ? "error" : "warn";
          lines.push(`${label}: ${l.msg ?? ""} ${errorText(l)}`.slice(0, 200));
        }
      }
      for (const chunk of p.stderr) {
        for (const line of chunk.split("\n"))
          if (line.trim()) lines.push(`stderr: ${line.slice(0, 200)}`);
      }
    }
    const groups = [...tally(lines)].sort((a, b) => b[1] - a[1]);
    const logged = r.past.reduce((n, p) => n + p.lines.length, 0);
    console.log(
      `  ${r.name} (${r.past.length} incarnations): ${lines.length} of ${logged} lines logged`,
    );
    for (const [text, n] of groups.slice(0, 15))
      console.log(`    ${String(n).padStart(5)} × ${text}`);
  }
}

function errorText(line: LogLine): string {
  const err = line.err as { message?: string; type?: string } | undefined;
  return err ? `[${err.type ?? ""}: ${err.message ?? ""}]` : "";
}

async function cleanup() {
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-soak-cleanup" });
  try {
    await admin.deleteTopics((await admin.listTopics()).filter((t) => t.startsWith(topicPrefix)));
  } finally {
    await admin.close();
  }
  const registry = registryApi(endpoints.schemaRegistryUrl);
  for (const subject of prefixedCatalog(topicPrefix, catalog).flatMap((t) =>
    t.events.map(subjectOf),
  )) {
    await registry.deleteSubject(subject).catch(() => {});
  }
  for (const view of [listeningView, feedbackView]) {
    const pool = createPool(databaseUrlFor(endpoints, view.database), 1);
    try {
      await dropAll(pool, baseOf(view, { schemaPrefix }));
    } finally {
      await pool.end();
    }
  }
  rmSync(stateDir, { recursive: true, force: true });
}

let code = 1;
try {
  if (args.cleanup) {
    code = 0;
    console.log(`removing the soak run ${id}`);
  } else code = await main();
} catch (error) {
  console.error(error);
} finally {
  if (args.keep) console.log(`kept ${topicPrefix}* and ${schemaPrefix}*`);
  else await cleanup().catch((e: Error) => console.error(`cleanup: ${e.message}`));
}
process.exit(code);
