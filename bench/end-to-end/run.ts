// End to end: plays accepted by the write API → counted by vobe-plays-per-track → stored by
// the listening sink → visible in the view, at fixed offered rates, with the engine's
// record cache on (default size) and off. See README.md beside this file.
//
//   npx tsx bench/end-to-end/run.ts [--rates 500,2000] [--seconds 30] [--batch 10]
//       [--commit-interval 100] [--reverse]
//
// Per rate, two phases on the same stage (stage.ts), cache on then off (--reverse: off then
// on); the processors process is restarted with the phase's config before each. A phase:
// plays are POSTed open-loop (app.inject, `--batch` plays per request, Zipf popularity over
// ~4,000 tracks) for `--seconds`; every second the bench samples the processors' lag
// (listening.plays' read_committed end − the group's committed offset) and what the view
// shows (sum of track_play_counts.plays vs plays accepted); after the last 202 it polls the
// view until every track's count equals its accepted plays (that time is "drain"). Then
// derived records per play (records of listening.track-play-counts and of the app's
// changelogs, counted by a read_committed reader), the sink's load (records applied,
// transactions, rows inserted + updated from pg_stat_user_tables) and CPU seconds per
// process. At the end the view must hold, for every track, its distinct plays (the counts
// table and the plays rows), and the API must answer the same for the top tracks.
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createPlayGenerator } from "../../connect/demo/index.ts";
import { countRecords, pct, type Stage, say, sleep, startStage } from "./stage.ts";

const { values: args } = parseArgs({
  options: {
    rates: { type: "string", default: "500,2000" },
    seconds: { type: "string", default: "30" },
    batch: { type: "string", default: "10" },
    "commit-interval": { type: "string" },
    reverse: { type: "boolean", default: false },
  },
});
const rates = args.rates.split(",").map(Number);
const seconds = Number(args.seconds);
const batch = Number(args.batch);
const commitIntervalMs = args["commit-interval"] ? Number(args["commit-interval"]) : undefined;
if (rates.some((r) => !(r > 0)) || !(seconds > 0) || !(batch >= 1 && batch <= 500))
  throw new Error("--rates, --seconds > 0; --batch 1..500");
const caches = args.reverse ? [false, true] : [true, false];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "–";

say(
  `end-to-end: rates ${rates.join(", ")} plays/s, ${seconds} s each, ${batch} plays per request, ` +
    `commit interval ${commitIntervalMs ?? "engine default"} ms; ${availableParallelism()} cores ` +
    `(${cpus()[0]?.model ?? "?"}), load ${load()}, Node ${process.version}, ${new Date().toISOString()}`,
);

interface PhaseResult {
  rate: number;
  cache: boolean;
  offered: number;
  accepted: number;
  refused: number;
  acceptSeconds: number;
  ackP50: number;
  ackP99: number;
  lagMaxRecords: number;
  lagMeanRecords: number;
  notVisibleMax: number;
  notVisibleMean: number;
  viewDistanceMax: number;
  drainMs: number;
  processedDrainMs: number;
  derivedRecords: number;
  changelogRecords: number;
  sinkApplied: number;
  sinkBatches: number;
  countRows: number;
  playRows: number;
  busySeconds: number;
  cpu: { processors: number; sink: number; bench: number };
  loadAfter: string;
  perTopic: ReadonlyArray<readonly [string, number]>;
}

const stage: Stage = await startStage({ name: "e2e", topologies: ["plays-per-track"] });
const brokers = stage.endpoints.kafkaBrokers;
const playsTopic = `${stage.prefix}listening.plays`;
const derivedTopic = `${stage.prefix}listening.track-play-counts`;
const group = stage.groupOf("plays-per-track");
const isAnyChangelog = (t: string) => t.startsWith(`${group}-`) && t.endsWith("-changelog");
/** The changelogs of the stores the record cache sits in front of (not the play ids'). */
const isChangelog = (t: string) => isAnyChangelog(t) && !t.includes("play-ids");
const counter = countRecords(brokers, `vobe-bench-e2e-${stage.id}-count`);
const expected = new Map<string, number>();
let expectedTotal = 0;
const generator = createPlayGenerator({ seed: 11, tracks: stage.tracks, userIds: stage.userIds });
const results: PhaseResult[] = [];

const visibleSum = async () => {
  const { rows } = await stage.pool.query<{ n: string }>(
    `select coalesce(sum(plays), 0)::bigint as n from ${stage.view}.track_play_counts`,
  );
  return Number(rows[0]?.n ?? 0);
};
const processorsLag = async () => {
  const [ends, committed] = await Promise.all([
    stage.admin.endOffsets(playsTopic, "read_committed"),
    stage.admin.committedOffsets(group),
  ]);
  let lag = 0n;
  ends.forEach((end, p) => {
    const at = committed.get(`${playsTopic}:${p}`) ?? 0n;
    if (end > at) lag += end - at;
  });
  return Number(lag);
};
const viewDistance = async () => {
  const [ends, { rows }] = await Promise.all([
    stage.admin.endOffsets(derivedTopic, "read_committed"),
    stage.pool.query<{ partition: number; next_offset: string }>(
      `select partition, next_offset from ${stage.view}.sink_offsets where topic = $1`,
      [derivedTopic],
    ),
  ]);
  const at = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
  let d = 0n;
  ends.forEach((end, p) => {
    const next = at.get(p) ?? 0n;
    if (end > next) d += end - next;
  });
  return Number(d);
};
const rowsWritten = async (schema: string) => {
  const { rows } = await stage.pool.query<{ relname: string; n: string }>(
    `select relname, (n_tup_ins + n_tup_upd)::bigint as n from pg_stat_user_tables where schemaname = $1`,
    [schema],
  );
  return new Map(rows.map((r) => [r.relname, Number(r.n)]));
};
const sinkStats = () => {
  const s = stage.sink().last("stats") as { applied?: number; batches?: number } | undefined;
  return { applied: s?.applied ?? 0, batches: s?.batches ?? 0 };
};
/** Waits until the record counter has read every followed topic to its end. */
const counted = async () => {
  const ends = new Map<string, bigint[]>();
  for (const t of [derivedTopic, ...(await stage.admin.listTopics()).filter(isAnyChangelog)]) {
    ends.set(t, await stage.admin.endOffsets(t, "read_committed"));
  }
  const deadline = Date.now() + 60_000;
  while (!counter.reached(ends) && Date.now() < deadline) await sleep(100);
};

async function phase(rate: number, cache: boolean): Promise<PhaseResult> {
  const processors = await stage.restartProcessors({
    ...(cache ? {} : { cacheMaxBytes: 0 }),
    ...(commitIntervalMs ? { commitIntervalMs } : {}),
  });
  counter.follow(derivedTopic, await stage.admin.partitionCount(derivedTopic));
  for (const t of (await stage.admin.listTopics()).filter(isAnyChangelog)) {
    counter.follow(t, await stage.admin.partitionCount(t));
  }
  const acks: number[] = [];
  let accepted = 0;
  let refused = 0;
  let lastAck = 0;
  const send = async () => {
    const plays = Array.from({ length: batch }, () => {
      const p = generator.next();
      return { trackId: p.trackId, listenedMs: p.listenedMs, trackDurationMs: p.trackDurationMs };
    });
    const token = stage.tokens[Math.floor(Math.random() * stage.tokens.length)] as string;
    const t0 = performance.now();
    const r = await stage.app.inject({
      method: "POST",
      url: "/api/listening/plays",
      headers: { authorization: `Bearer ${token}` },
      payload: { plays },
    });
    const t1 = performance.now();
    if (r.statusCode !== 202) {
      refused += plays.length;
      if (refused <= batch) say(`  refused: ${r.statusCode} ${r.body.slice(0, 200)}`);
      return;
    }
    acks.push(t1 - t0);
    accepted += plays.length;
    lastAck = Math.max(lastAck, t1);
    for (const p of plays) expected.set(p.trackId, (expected.get(p.trackId) ?? 0) + 1);
    expectedTotal += plays.length;
  };
  // Untimed warm-up after the restart: the app's catalog check, the groups, the JIT.
  for (let i = 0; i < 10; i++) await send();
  await drain(performance.now() + 60_000);
  acks.length = 0;
  accepted = 0;
  refused = 0;
  lastAck = 0;
  await counted();
  const schema = await stage.versionSchema();
  const perTopic = new Map(
    [...counter.topics()].map((t) => [t, counter.count((u) => u === t)] as const),
  );
  const base = {
    derived: counter.count((t) => t === derivedTopic),
    changelog: counter.count(isChangelog),
    rows: await rowsWritten(schema),
    sink: sinkStats(),
    visible: await visibleSum(),
    cpu: {
      processors: processors.cpuSeconds(),
      sink: stage.sink().cpuSeconds(),
      bench: process.cpuUsage(),
    },
  };

  const samples: Array<{ lag: number; notVisible: number; distance: number }> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const next = sleep(1_000);
      const [lag, visible, distance] = await Promise.all([
        processorsLag(),
        visibleSum(),
        viewDistance(),
      ]);
      samples.push({ lag, notVisible: accepted - (visible - base.visible), distance });
      await next;
    }
  })();

  const requests = Math.round((rate * seconds) / batch);
  const began = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < requests; i++) {
    const wait = began + (i * 1000 * batch) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(send());
  }
  await Promise.all(pending);

  const drained = await drain(performance.now() + 180_000);
  const { visibleAt } = drained;
  const processedAt = Number.isNaN(drained.processedAt) ? visibleAt : drained.processedAt;
  const cpu = {
    processors: processors.cpuSeconds() - base.cpu.processors,
    sink: stage.sink().cpuSeconds() - base.cpu.sink,
    bench: (() => {
      const u = process.cpuUsage(base.cpu.bench);
      return (u.user + u.system) / 1e6;
    })(),
  };
  sampling = false;
  await sampler;
  await counted();
  // pg_stat_user_tables hears of a backend's writes at most 10 s after it went idle.
  await sleep(11_000);
  const rows = await rowsWritten(schema);
  const delta = (table: string) => (rows.get(table) ?? 0) - (base.rows.get(table) ?? 0);
  const sink = sinkStats();
  const busySeconds = (visibleAt - began) / 1000;
  const lagValues = samples.map((s) => s.lag);
  const notVisible = samples.map((s) => s.notVisible);
  return {
    rate,
    cache,
    offered: requests * batch,
    accepted,
    refused,
    acceptSeconds: (lastAck - began) / 1000,
    ackP50: pct(acks, 50),
    ackP99: pct(acks, 99),
    lagMaxRecords: Math.max(0, ...lagValues),
    lagMeanRecords: lagValues.reduce((a, b) => a + b, 0) / Math.max(1, lagValues.length),
    notVisibleMax: Math.max(0, ...notVisible),
    notVisibleMean: notVisible.reduce((a, b) => a + b, 0) / Math.max(1, notVisible.length),
    viewDistanceMax: Math.max(0, ...samples.map((s) => s.distance)),
    drainMs: visibleAt - lastAck,
    processedDrainMs: Math.max(0, processedAt - lastAck),
    derivedRecords: counter.count((t) => t === derivedTopic) - base.derived,
    changelogRecords: counter.count(isChangelog) - base.changelog,
    sinkApplied: sink.applied - base.sink.applied,
    sinkBatches: sink.batches - base.sink.batches,
    countRows: delta("track_play_counts"),
    playRows: delta("plays"),
    busySeconds,
    cpu,
    loadAfter: load(),
    perTopic: [...counter.topics()].map(
      (t) =>
        [
          t.slice(stage.prefix.length),
          counter.count((u) => u === t) - (perTopic.get(t) ?? 0),
        ] as const,
    ),
  };
}

/** Until every count is visible: when the group had committed every play, when the view showed them. */
async function drain(deadline: number) {
  let processedAt = Number.NaN;
  let visibleAt = Number.NaN;
  while (performance.now() < deadline) {
    if (Number.isNaN(processedAt) && (await processorsLag()) === 0) processedAt = performance.now();
    if ((await visibleSum()) === expectedTotal && (await countsMatch())) {
      visibleAt = performance.now();
      break;
    }
    await sleep(50);
  }
  return { processedAt, visibleAt };
}

/** Every track's count in the view equals its accepted plays. */
async function countsMatch(): Promise<boolean> {
  const { rows } = await stage.pool.query<{ track_id: string; plays: string }>(
    `select track_id, plays from ${stage.view}.track_play_counts`,
  );
  if (rows.length !== expected.size) return false;
  return rows.every((r) => expected.get(r.track_id) === Number(r.plays));
}

try {
  for (const rate of rates) {
    for (const cache of caches) {
      say(`  phase: ${rate} plays/s, record cache ${cache ? "on" : "off"} (load ${load()})`);
      const r = await phase(rate, cache);
      results.push(r);
      say(
        `    accepted ${r.accepted}/${r.offered} in ${r.acceptSeconds.toFixed(1)} s, drain ${fmt(r.drainMs)} ms, ` +
          `lag max ${r.lagMaxRecords}, not visible max ${r.notVisibleMax}; records per play: ${r.perTopic.map(([t, n]) => `${t} ${(n / r.accepted).toFixed(3)}`).join(", ")}`,
      );
    }
  }

  // Correctness: the counts and the plays rows are the distinct plays, and the API agrees.
  const { rows: byPlays } = await stage.pool.query<{ track_id: string; n: string }>(
    `select track_id, count(*)::bigint as n from ${stage.view}.plays group by track_id`,
  );
  const playsOk =
    byPlays.length === expected.size &&
    byPlays.every((r) => expected.get(r.track_id) === Number(r.n));
  const countsOk = await countsMatch();
  const top = [...expected].sort((a, b) => b[1] - a[1]).slice(0, 5);
  let apiOk = true;
  for (const [trackId, n] of top) {
    const r = await stage.app.inject({ url: `/api/listening/tracks/${trackId}/plays` });
    if ((r.json() as { plays: number }).plays !== n) apiOk = false;
  }
  say(
    `correctness: ${expectedTotal} plays accepted on ${expected.size} tracks; view counts = distinct plays: ${countsOk}; ` +
      `plays rows per track = accepted: ${playsOk}; API = accepted for the top 5 tracks: ${apiOk}`,
  );

  say("");
  say(
    "| plays/s offered | record cache | accepted plays/s | 202 p50 / p99 ms | processors' lag max / mean (offsets) | plays not yet visible max / mean | view behind derived topic max (offsets) | last 202 → group committed ms | **last 202 → every count visible ms** | derived records per play | changelog records per play | sink: records applied/s | sink: transactions/s | sink: count rows written/s (per play) | sink: play rows/s | CPU s per 1,000 plays: processors / sink / API+bench |",
  );
  say(
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const r of results) {
    const perSecond = (n: number) => fmt(n / r.busySeconds);
    const perK = (s: number) => ((s * 1000) / r.accepted).toFixed(2);
    say(
      `| ${fmt(r.rate)} | ${r.cache ? "on" : "off"} | ${fmt(r.accepted / r.acceptSeconds)}${r.refused ? ` (${r.refused} refused)` : ""} | ${r.ackP50.toFixed(1)} / ${r.ackP99.toFixed(1)} | ${fmt(r.lagMaxRecords)} / ${fmt(r.lagMeanRecords)} | ${fmt(r.notVisibleMax)} / ${fmt(r.notVisibleMean)} | ${fmt(r.viewDistanceMax)} | ${fmt(r.processedDrainMs)} | **${fmt(r.drainMs)}** | ${(r.derivedRecords / r.accepted).toFixed(3)} | ${(r.changelogRecords / r.accepted).toFixed(3)} | ${perSecond(r.sinkApplied)} | ${perSecond(r.sinkBatches)} | ${perSecond(r.countRows)} (${(r.countRows / r.accepted).toFixed(3)}) | ${perSecond(r.playRows)} | ${perK(r.cpu.processors)} / ${perK(r.cpu.sink)} / ${perK(r.cpu.bench)} |`,
    );
  }
  say("");
  say(
    `rates per second are over the phase's busy time (first request → every count visible); load after: ${results.map((r) => r.loadAfter).join(" | ")}`,
  );
} finally {
  await counter.close();
  await stage.close();
}
