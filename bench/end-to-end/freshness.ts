// Freshness through a derived view: from a play's 202 until its count is visible through
// GET /api/listening/tracks/:id/plays?after=<the play's position>, next to the broker's own
// produce→consume latency in the same run, and where the time goes. See README.md here.
//
//   npx tsx bench/end-to-end/freshness.ts [--rates 50,200] [--seconds 20]
//       [--commit-intervals 100,20] [--read-rate 50] [--batch 5] [--no-breakdown]
//
// Stage (stage.ts): the app in this process, the processors (plays-per-track and
// trending-tracks, which the listening view's `after=` waits on, plus the API's check
// topologies) in a process of their own, the listening sink in another.
// Per rate: the broker baseline first (a raw idempotent producer, acks=all, 300-byte records
// to a prefixed 3-partition topic, a raw read_committed Fetcher loop: send→seen, as
// bench/api/freshness.ts). Then, per commit interval (the processors restarted with it):
//   - route: `--batch` plays per POST /api/listening/plays (default 5: one transaction per
//     command, and the API runs them one at a time; write-path.ts), open loop; `--read-rate`
//     plays a second are read back with the route and `after=` (wait 10 s): ack→visible;
//   - breakdown (unless --no-breakdown): the same load, but the read back is the route's own
//     wait (api/read/views.ts waitFor) rebuilt here from the same modules
//     (createDerivedProgress, waitForPositions, the route's SQL) with a clock between its
//     steps, beside an observer that polls the processors' committed offsets every 10 ms.
// Per commit interval also the floor of one exactly-once hop at that interval (eos-hop.ts).
// Every answer must count at least the plays of its track up to its position (checked at
// the end). Ratio: ack→visible p99 ÷ broker send→seen p99, target ≤ 3 (issue 5).
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes, randomUUID } from "node:crypto";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createDerivedProgress } from "../../api/read/derived-positions.ts";
import { createPositionSignals } from "../../api/read/position-signals.ts";
import { formatPosition, type ReadPosition, waitForPositions } from "../../api/read/positions.ts";
import { createPlayGenerator } from "../../connect/demo/index.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  createProducer,
  type FetchPosition,
  type KafkaAdmin,
} from "../../platform/kafka/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { eosHop } from "./eos-hop.ts";
import { pct, type Stage, say, sleep, startStage } from "./stage.ts";

const { values: args } = parseArgs({
  options: {
    rates: { type: "string", default: "50,200" },
    seconds: { type: "string", default: "20" },
    "commit-intervals": { type: "string", default: "100,20" },
    "read-rate": { type: "string", default: "50" },
    batch: { type: "string", default: "5" },
    "no-breakdown": { type: "boolean", default: false },
  },
});
const rates = args.rates.split(",").map(Number);
const seconds = Number(args.seconds);
const intervals = args["commit-intervals"].split(",").map(Number);
const readRate = Number(args["read-rate"]);
const batch = Number(args.batch);
if ([...rates, ...intervals, seconds, readRate, batch].some((n) => !(n > 0)))
  throw new Error("--rates, --seconds, --commit-intervals, --read-rate, --batch: > 0");
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");

say(
  `freshness through a derived view: rates ${rates.join(", ")} plays/s in requests of ${batch}, ${seconds} s per pass, commit intervals ${intervals.join(", ")} ms, ` +
    `read-back ≤ ${readRate}/s; ${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), load ${load()}, Node ${process.version}, ${new Date().toISOString()}`,
);

/** Calls `send` `rate` times a second for `seconds`, without waiting for answers. */
async function openLoop(rate: number, send: () => Promise<void>): Promise<number> {
  const total = Math.round(rate * seconds);
  const began = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = began + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(send());
  }
  await Promise.all(pending);
  return total;
}

const stage: Stage = await startStage({
  name: "fresh",
  topologies: ["plays-per-track", "trending-tracks"],
});
const brokers = stage.endpoints.kafkaBrokers;
const brokerTopic = `${stage.prefix}broker-latency`;
const playsTopic = `${stage.prefix}listening.plays`;
const producer = createProducer({ brokers, clientId: "vobe-bench-fresh-e2e" });
const fetcher = createFetcher({ brokers, clientId: "vobe-bench-fresh-e2e-broker" });
const generator = createPlayGenerator({ seed: 5, tracks: stage.tracks, userIds: stage.userIds });

// The route's wait, rebuilt with a clock: the same modules as api/read/views.ts, an admin
// that reports what its lookups cost to the read that made them.
interface Trace {
  listTopicsMs: number;
  endOffsetsMs: number;
  endOffsetsCalls: number;
  listTopicsCalls: number;
}
const traces = new AsyncLocalStorage<Trace>();
const realAdmin = createAdmin({ brokers, clientId: "vobe-bench-fresh-e2e-reads" });
const timed = <A extends unknown[], R>(
  call: (...a: A) => Promise<R>,
  add: (t: Trace, ms: number) => void,
) => {
  return async (...a: A): Promise<R> => {
    const t0 = performance.now();
    try {
      return await call(...a);
    } finally {
      const trace = traces.getStore();
      if (trace) add(trace, performance.now() - t0);
    }
  };
};
const admin: KafkaAdmin = {
  ...realAdmin,
  listTopics: timed(realAdmin.listTopics.bind(realAdmin), (t, ms) => {
    t.listTopicsMs += ms;
    t.listTopicsCalls += 1;
  }),
  endOffsets: timed(realAdmin.endOffsets.bind(realAdmin), (t, ms) => {
    t.endOffsetsMs += ms;
    t.endOffsetsCalls += 1;
  }),
  committedOffsets: realAdmin.committedOffsets.bind(realAdmin),
};
const derived = createDerivedProgress({ admin: () => admin, topicPrefix: stage.prefix });
const signals = createPositionSignals((database) => databaseUrlFor(stage.endpoints, database));
const signal = signals.of("listening", stage.view);
// The view's topics in the order views.ts walks them.
const own = [...new Set(listeningView.events.map((e) => `${stage.prefix}${e.topic}`))];

/** Segments of one read, ms from the 202. */
interface Steps {
  /** Per derived topic the wait went through: its through() (group commits + lookups). */
  through: Array<{ topic: string; ms: number }>;
  sinkMs: number;
  queryMs: number;
  totalMs: number;
  trace: Trace;
}

async function replicaRead(at: ReadPosition, trackId: string): Promise<Steps | undefined> {
  const trace: Trace = { listTopicsMs: 0, endOffsetsMs: 0, endOffsetsCalls: 0, listTopicsCalls: 0 };
  return traces.run(trace, async () => {
    const t0 = performance.now();
    const deadline = Date.now() + 10_000;
    const wanted: ReadPosition[] = own.includes(at.topic) ? [at] : [];
    const through: Steps["through"] = [];
    for (const topic of own) {
      if (topic === at.topic || !derived.inputsOf([topic]).has(at.topic)) continue;
      const s = performance.now();
      const reached = await derived.through(at, topic, deadline);
      if ("unreached" in reached) return undefined;
      through.push({ topic: topic.slice(stage.prefix.length), ms: performance.now() - s });
      wanted.push(...reached.positions);
    }
    const s1 = performance.now();
    const missing = await waitForPositions(
      wanted,
      async (topics) => {
        const { rows } = await stage.pool.query<{
          topic: string;
          partition: number;
          next_offset: string;
        }>(
          `select topic, partition, next_offset from ${stage.view}.sink_offsets where topic = any($1::text[])`,
          [topics],
        );
        return new Map(rows.map((r) => [`${r.topic}:${r.partition}`, BigInt(r.next_offset)]));
      },
      Math.max(0, deadline - Date.now()),
      signal,
    );
    if (missing.length > 0) return undefined;
    const s2 = performance.now();
    await stage.pool.query(
      `select p.plays, p.completed_plays, p.listened_ms, l.likes, p.last_played_at
         from (select $1::uuid as track_id) t
         left join ${stage.view}.track_play_counts p using (track_id)
         left join ${stage.view}.track_like_counts l using (track_id)`,
      [trackId],
    );
    const end = performance.now();
    return { through, sinkMs: s2 - s1, queryMs: end - s2, totalMs: end - t0, trace };
  });
}

/** When the processors' groups were seen committed past each offset (polled every 10 ms). */
function commitObserver(groups: string[]) {
  const seen = new Map<string, Array<[number, bigint]>>(); // group|partition → (time, offset)
  let running = true;
  const loop = (async () => {
    while (running) {
      const next = sleep(10);
      await Promise.all(
        groups.map(async (g) => {
          const offsets = await realAdmin.committedOffsets(g).catch(() => undefined);
          const now = performance.now();
          for (const [tp, offset] of offsets ?? []) {
            if (!tp.startsWith(`${playsTopic}:`)) continue;
            const key = `${g}|${tp.slice(playsTopic.length + 1)}`;
            const list = seen.get(key) ?? [];
            if (list.length === 0 || (list.at(-1) as [number, bigint])[1] < offset) {
              list.push([now, offset]);
              seen.set(key, list);
            }
          }
        }),
      );
      await next;
    }
  })();
  return {
    /** When `group` was first seen committed past `at`. */
    committedAt(group: string, at: ReadPosition): number {
      const list = seen.get(`${group}|${at.partition}`) ?? [];
      return list.find(([, o]) => o > at.offset)?.[0] ?? Number.NaN;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

interface Accepted {
  at: ReadPosition;
  trackId: string;
  sent: number;
  acked: number;
}

const rows: string[] = [];
const breakdown: string[] = [];
const answers: Array<{ at: ReadPosition; trackId: string; plays: number }> = [];
const allAccepted: Accepted[] = [];
let failures = 0;

/** One request of `batch` plays; each accepted play with its position. */
async function post(): Promise<Accepted[]> {
  const plays = Array.from({ length: batch }, () => {
    const p = generator.next();
    return { trackId: p.trackId, listenedMs: p.listenedMs, trackDurationMs: p.trackDurationMs };
  });
  const token = stage.tokens[Math.floor(Math.random() * stage.tokens.length)] as string;
  const sent = performance.now();
  const r = await stage.app.inject({
    method: "POST",
    url: "/api/listening/plays",
    headers: { authorization: `Bearer ${token}` },
    payload: { plays },
  });
  const acked = performance.now();
  if (r.statusCode !== 202) {
    failures += plays.length;
    return [];
  }
  const positions = (
    r.json() as { plays: Array<{ topic: string; partition: number; offset: string }> }
  ).plays;
  const accepted = positions.map((pos, i) => ({
    at: { topic: pos.topic, partition: pos.partition, offset: BigInt(pos.offset) },
    trackId: (plays[i] as { trackId: string }).trackId,
    sent,
    acked,
  }));
  allAccepted.push(...accepted);
  return accepted;
}

async function routeRead(a: Accepted): Promise<number | undefined> {
  const r = await stage.app.inject({
    url: `/api/listening/tracks/${a.trackId}/plays?after=${encodeURIComponent(formatPosition(a.at))}&wait=10000`,
  });
  const now = performance.now();
  if (r.statusCode !== 200) return undefined;
  answers.push({ at: a.at, trackId: a.trackId, plays: (r.json() as { plays: number }).plays });
  return now;
}

/** The broker's own produce → consume, as bench/api/freshness.ts measures it. */
async function brokerBaseline(rate: number) {
  const positions: FetchPosition[] = (
    await stage.admin.endOffsets(brokerTopic, "read_committed")
  ).map((offset, partition) => ({ topic: brokerTopic, partition, offset }));
  const consumed = new Map<string, number>();
  let following = true;
  const follow = (async () => {
    while (following) {
      for (const part of await fetcher.fetch(positions, { maxWaitMs: 500 })) {
        const now = performance.now();
        for (const r of part.records) consumed.set(formatPosition(r), now);
        const p = positions.find((q) => q.partition === part.partition);
        if (p && part.nextOffset > p.offset) p.offset = part.nextOffset;
      }
    }
  })();
  const payload = randomBytes(300);
  const sent = new Map<string, number>();
  await openLoop(rate, async () => {
    const t0 = performance.now();
    const [at] = await producer.send([
      { topic: brokerTopic, key: Buffer.from(randomUUID()), value: payload },
    ]);
    if (at) sent.set(formatPosition(at), t0);
  });
  const deadline = performance.now() + 15_000;
  while ([...sent.keys()].some((k) => !consumed.has(k)) && performance.now() < deadline)
    await sleep(50);
  following = false;
  await follow;
  const lat = [...sent].flatMap(([k, t0]) => {
    const s = consumed.get(k);
    return s === undefined ? [] : [s - t0];
  });
  return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, missing: sent.size - lat.length };
}

try {
  await stage.admin.createTopics([{ name: brokerTopic, partitions: 3 }]);
  // Warm-up: the app's catalog check, both groups, the reads' first lookups, the JIT.
  for (let i = 0; i < 20; i++) for (const a of await post()) await routeRead(a);
  for (const rate of rates) {
    say(`  ${rate} plays/s: broker baseline (load ${load()})`);
    const broker = await brokerBaseline(rate);
    rows.push(
      `| ${rate} | – | broker: raw produce → raw fetch (send→seen) | ${broker.n} | ${broker.missing} | – | ${f1(broker.p50)} | – | ${f1(broker.p99)} | (baseline) | – |`,
    );
    const every = Math.max(1, Math.round(rate / readRate));
    for (const interval of intervals) {
      say(
        `  ${rate} plays/s, commit interval ${interval} ms: exactly-once hop floor (load ${load()})`,
      );
      const hop = await eosHop({
        brokers,
        prefix: stage.prefix,
        rate,
        seconds,
        commitIntervalMs: interval,
      });
      rows.push(
        `| ${rate} | ${interval} | floor: raw produce → raw exactly-once hop (consume, produce, commit each interval) → raw fetch (send→seen) | ${hop.n} | ${hop.missing} | – | ${f1(hop.p50)} | – | ${f1(hop.p99)} | ${(hop.p99 / broker.p99).toFixed(1)} | (floor) |`,
      );
      await stage.restartProcessors({ commitIntervalMs: interval });
      for (let i = 0; i < 10; i++) for (const a of await post()) await routeRead(a);
      say(`  ${rate} plays/s, commit interval ${interval} ms: route (load ${load()})`);
      const lat: number[] = [];
      let sampled = 0;
      let unanswered = 0;
      const acks: number[] = [];
      let n = 0;
      await openLoop(rate / batch, async () => {
        const accepted = await post();
        if (accepted[0]) acks.push(accepted[0].acked - accepted[0].sent);
        await Promise.all(
          accepted.map(async (a) => {
            if (n++ % every !== 0) return;
            sampled += 1;
            const seen = await routeRead(a);
            if (seen === undefined) unanswered += 1;
            else lat.push(seen - a.acked);
          }),
        );
      });
      const ratio = pct(lat, 99) / broker.p99;
      rows.push(
        `| ${rate} | ${interval} | API: POST play → GET …/plays?after= (processors → derived topic → sink → Postgres), 1 in ${every} | ${sampled} | ${unanswered} | ${f1(pct(acks, 50))} / ${f1(pct(acks, 99))} | ${f1(pct(lat, 50))} | ${f1(pct(lat, 95))} | ${f1(pct(lat, 99))} | **${ratio.toFixed(1)}** | ${(pct(lat, 99) / hop.p99).toFixed(1)} |`,
      );
      say(
        `    ack→visible p50 ${f1(pct(lat, 50))} p99 ${f1(pct(lat, 99))} ms; broker p99 ${f1(broker.p99)} ms: ${ratio.toFixed(1)}×`,
      );

      if (args["no-breakdown"]) continue;
      say(`  ${rate} plays/s, commit interval ${interval} ms: breakdown (load ${load()})`);
      const observer = commitObserver([stage.groupOf("plays-per-track")]);
      const steps: Array<Steps & { committedMs: number; acked: number; at: ReadPosition }> = [];
      let m = 0;
      await openLoop(rate / batch, async () => {
        await Promise.all(
          (await post()).map(async (a) => {
            if (m++ % every !== 0) return;
            const s = await replicaRead(a.at, a.trackId);
            if (s) steps.push({ ...s, committedMs: Number.NaN, acked: a.acked, at: a.at });
          }),
        );
      });
      await observer.stop();
      for (const s of steps) {
        s.committedMs = observer.committedAt(stage.groupOf("plays-per-track"), s.at) - s.acked;
      }
      const col = (values: number[]) =>
        `${f1(values.reduce((x, y) => x + y, 0) / Math.max(1, values.length))} | ${f1(pct(values, 50))} | ${f1(pct(values, 99))}`;
      const firstThrough = steps.map((s) => s.through[0]?.ms ?? 0);
      const laterThrough = steps.map((s) => s.through.slice(1).reduce((x, t) => x + t.ms, 0));
      const lines: Array<[string, number[]]> = [
        [
          "202 → plays-per-track's group seen committed past the play (10 ms poll)",
          steps.map((s) => Math.max(0, s.committedMs)),
        ],
        [
          `through #1 (${steps[0]?.through[0]?.topic ?? "?"}): group commit wait + lookups`,
          firstThrough,
        ],
        [
          `through #2.. (${steps[0]?.through
            .slice(1)
            .map((t) => t.topic)
            .join(", ")}): the same wait again, per derived topic`,
          laterThrough,
        ],
        ["  of which listTopics (all through steps)", steps.map((s) => s.trace.listTopicsMs)],
        ["  of which endOffsets (all through steps)", steps.map((s) => s.trace.endOffsetsMs)],
        [
          "sink: view's sink_offsets past every derived end (LISTEN/NOTIFY wake)",
          steps.map((s) => s.sinkMs),
        ],
        ["query (the route's SQL)", steps.map((s) => s.queryMs)],
        ["**total (replica of the route's wait + query)**", steps.map((s) => s.totalMs)],
      ];
      const calls = steps[0]?.trace;
      breakdown.push(
        `| ${rate} | ${interval} | ${steps.length} reads; per read ${calls?.listTopicsCalls ?? "?"} listTopics, ${calls?.endOffsetsCalls ?? "?"} endOffsets | | | |`,
        ...lines.map(([name, values]) => `| ${rate} | ${interval} | ${name} | ${col(values)} |`),
      );
    }
  }

  // Every answer counts at least the plays of its track up to its position.
  const byTrack = new Map<string, Accepted[]>();
  for (const a of allAccepted) byTrack.set(a.trackId, [...(byTrack.get(a.trackId) ?? []), a]);
  const short = answers.filter(
    (ans) =>
      ans.plays <
      (byTrack.get(ans.trackId) ?? []).filter(
        (a) => a.at.partition === ans.at.partition && a.at.offset <= ans.at.offset,
      ).length,
  );
  say(
    `checked ${answers.length} answers: ${short.length} counted fewer plays than accepted up to their position; ${failures} plays refused`,
  );
  say("");
  say(
    "| plays/s | commit interval ms | path | reads | not answered | 202 p50 / p99 ms | ack→visible p50 ms | p95 ms | **p99 ms** | **p99 ÷ broker p99 (target ≤ 3)** | p99 ÷ exactly-once hop p99 |",
  );
  say("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) say(r);
  if (breakdown.length > 0) {
    say("");
    say("Where the time goes (the route's wait rebuilt with a clock; ms after the 202):");
    say("");
    say("| plays/s | commit interval ms | step | mean | p50 | p99 |");
    say("| ---: | ---: | --- | ---: | ---: | ---: |");
    for (const b of breakdown) say(b);
  }
  say("");
  say(`load after ${load()}`);
} finally {
  await signals.close();
  await realAdmin.close();
  await fetcher.close();
  await producer.close();
  await stage.close();
}
