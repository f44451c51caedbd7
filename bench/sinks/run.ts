// What the sink costs on the append-heavy view: demo-like TrackPlayed events applied through
// the listening view's own batch code (sinks/postgres/listening/view.ts: the multi-row
// `insert … on conflict (play_id) do nothing` that also moves the per-track counters),
// inside one transaction per batch with the `sink_offsets` check (`for update`) and upsert,
// as sinks/engine/sink.ts does it — against a RAW write of the SAME rows into a copy of the
// plays table (same columns, same indexes), one transaction per batch.
//
//   npx tsx bench/sinks/run.ts [--events 200000] [--batch 2000] [--reverse]
//
// The raw side is a multi-row INSERT, NOT `COPY … FROM STDIN`: the `pg-copy-streams`
// package is not installed (node_modules), and pg alone cannot stream COPY data. The raw
// INSERT uses the same typed parameters and the same chunking (≤ 60,000 parameters) as the
// view. Records are decoded once up front (Kafka fetch and Avro decode are not timed on
// either side). Each side runs twice, alternating, after an untimed warm-up of both; the
// tables are emptied before every run. The bench's schema is dropped at the end.
import { randomUUID } from "node:crypto";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  createPlayGenerator,
  demoListening,
  generateDemoCatalog,
} from "../../connect/demo/index.ts";
import { databaseUrlFor, endpointsFromEnv } from "../../platform/config/endpoints.ts";
import type { InRecord } from "../../platform/kafka/index.ts";
import { createPool, type PoolClient } from "../../platform/postgres/pool.ts";
import { systemActor } from "../../producers/index.ts";
import { TrackPlayed } from "../../schemas/generated/listening.ts";
import {
  type BatchScope,
  type DecodedRecord,
  dropAll,
  ensureVersion,
  loadColumnTypes,
  quote,
  versionSchema,
} from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { ensureDatabase } from "../../sinks/runtime.ts";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    batch: { type: "string", default: "2000" },
    reverse: { type: "boolean", default: false },
  },
});
const events = Number(args.events);
const batchSize = Number(args.batch);
if (!Number.isInteger(events) || events <= 0) throw new Error("--events: a positive integer");
if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error("--batch: a positive integer");

const say = (line: string) => console.log(line);
const rate = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString("en-US");
const endpoints = endpointsFromEnv();
const base = `bench_${randomUUID().replaceAll("-", "").slice(0, 8)}_listening`;
const schema = versionSchema(base, 1);
const s = quote(schema);
const topic = "listening.plays";
const partitions = 6;

say(
  `sinks: ${events.toLocaleString("en-US")} TrackPlayed events per run, batches of ${batchSize}, ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, Node ${process.version}, ${new Date().toISOString()}`,
);
say(`postgres ${new URL(endpoints.databaseUrl).host}, database listening, schema ${schema}`);
say("baseline: multi-row INSERT (pg-copy-streams is not installed, so no COPY FROM STDIN)");

// Demo-like plays (demo catalog "small", Zipf popularity), as decoded records with
// positions: partition by track, offsets in order per partition.
const generator = createPlayGenerator({
  seed: 1,
  ...demoListening(generateDemoCatalog({ size: "small", seed: 1 })),
});
const next = new Array<bigint>(partitions).fill(0n);
const decoded: DecodedRecord[] = Array.from({ length: events }, () => {
  const play = generator.next();
  const partition = Number.parseInt(play.trackId.slice(0, 8), 16) % partitions;
  const offset = next[partition] as bigint;
  next[partition] = offset + 1n;
  const record: InRecord = {
    topic,
    partition,
    offset,
    key: Buffer.from(play.trackId),
    value: null,
    headers: new Map(),
    timestamp: BigInt(Date.now()),
  };
  const event: TrackPlayed = {
    eventId: randomUUID(),
    occurredAt: new Date(),
    actor: systemActor,
    ...play,
  };
  return { record, type: TrackPlayed.name, key: play.trackId, event };
});
const batches: DecodedRecord[][] = [];
for (let i = 0; i < decoded.length; i += batchSize) batches.push(decoded.slice(i, i + batchSize));

const columns = [
  "play_id",
  "track_id",
  "user_id",
  "listened_ms",
  "track_duration_ms",
  "completed",
  "source",
  "played_at",
  "partition",
  "offset",
] as const;

await ensureDatabase(endpoints, "listening");
const pool = createPool(databaseUrlFor(endpoints, "listening"), 2);
let client: PoolClient | undefined;
try {
  await ensureVersion(pool, { base, version: 1, migrationsDir: listeningView.migrationsDir });
  await pool.query(`create table ${s}.raw_plays (like ${s}.plays including all)`);
  client = await pool.connect();
  const c = client;
  const scope: BatchScope = { schema, version: 1, columns: await loadColumnTypes(c, schema) };
  const types = scope.columns.get("plays") as ReadonlyMap<string, string>;

  /** The sink's transaction for one fetched batch (sinks/engine/sink.ts, step + apply). */
  const sinkBatch = async (batch: DecodedRecord[]) => {
    await c.query("begin");
    await c.query(
      `select topic, partition, next_offset from ${s}.sink_offsets where view = $1 for update`,
      [listeningView.name],
    );
    await c.query("savepoint batch");
    const b = listeningView.batch(scope);
    for (const d of batch) b.add(d);
    await b.flush(c);
    await c.query("release savepoint batch");
    const last = new Map<number, bigint>();
    for (const d of batch) last.set(d.record.partition, d.record.offset + 1n);
    const params: unknown[] = [listeningView.name];
    const tuples = [...last].map(([partition, offset]) => {
      params.push(topic, partition, offset.toString());
      const n = params.length;
      return `($1, $${n - 2}, $${n - 1}::int, $${n}::bigint, now())`;
    });
    await c.query(
      `insert into ${s}.sink_offsets (view, topic, partition, next_offset, updated_at)
       values ${tuples.join(", ")}
       on conflict (view, topic, partition) do update
         set next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
      params,
    );
    await c.query("commit");
  };

  /** The same rows, written as plainly as pg allows without COPY. */
  const rawBatch = async (batch: DecodedRecord[]) => {
    await c.query("begin");
    const perStatement = Math.floor(60_000 / columns.length);
    for (let start = 0; start < batch.length; start += perStatement) {
      const params: unknown[] = [];
      const tuples = batch.slice(start, start + perStatement).map((d) => {
        const e = d.event as TrackPlayed;
        const row: Record<(typeof columns)[number], unknown> = {
          play_id: e.playId,
          track_id: e.trackId,
          user_id: e.userId,
          listened_ms: e.listenedMs,
          track_duration_ms: e.trackDurationMs,
          completed: e.completed,
          source: e.source,
          played_at: e.occurredAt,
          partition: d.record.partition,
          offset: d.record.offset.toString(),
        };
        return `(${columns
          .map((col) => {
            params.push(row[col]);
            return `$${params.length}::${types.get(col)}`;
          })
          .join(", ")})`;
      });
      await c.query(
        `insert into ${s}.raw_plays (${columns.map(quote).join(", ")}) values ${tuples.join(", ")}`,
        params,
      );
    }
    await c.query("commit");
  };

  type Side = "sink" | "raw";
  const sides: Record<Side, (b: DecodedRecord[]) => Promise<void>> = {
    sink: sinkBatch,
    raw: rawBatch,
  };
  const empty = async () => {
    await c.query(`truncate ${s}.plays, ${s}.track_counters, ${s}.sink_offsets, ${s}.raw_plays`);
    await c.query(`vacuum analyze ${s}.plays, ${s}.track_counters, ${s}.raw_plays`);
  };

  // Warm-up (untimed): connections, plan cache, JIT on both paths.
  await empty();
  for (const b of batches.slice(0, 10)) await sinkBatch(b);
  for (const b of batches.slice(0, 10)) await rawBatch(b);

  const order: Side[] = args.reverse
    ? ["raw", "sink", "raw", "sink"]
    : ["sink", "raw", "sink", "raw"];
  const runs: Array<{ side: Side; order: number; seconds: number }> = [];
  let check = "";
  for (const [i, side] of order.entries()) {
    await empty();
    const began = performance.now();
    for (const b of batches) await sides[side](b);
    const seconds = (performance.now() - began) / 1000;
    runs.push({ side, order: i + 1, seconds });
    say(
      `  run ${i + 1}: ${side.padEnd(4)} ${seconds.toFixed(2)} s  ${rate(events, seconds)} rows/s`,
    );
    if (side === "sink") {
      // The sink's answer is the view's: every play once, counters summing to them.
      const { rows } = await c.query<{ plays: string; counted: string }>(
        `select (select count(*) from ${s}.plays) as plays,
                (select coalesce(sum(plays), 0) from ${s}.track_counters) as counted`,
      );
      check = `${rows[0]?.plays} plays, counters sum ${rows[0]?.counted}`;
    }
  }

  const total = (side: Side) =>
    runs.filter((r) => r.side === side).reduce((sum, r) => sum + r.seconds, 0);
  const ratio = total("raw") / total("sink");
  say("");
  say("| side | run order | rows | seconds | rows/s |");
  say("| --- | --- | ---: | ---: | ---: |");
  for (const r of runs) {
    say(
      `| ${r.side === "sink" ? "listening view batch + offsets (sink path)" : "raw multi-row INSERT (baseline)"} | ${r.order} | ${events.toLocaleString("en-US")} | ${r.seconds.toFixed(2)} | ${rate(events, r.seconds)} |`,
    );
  }
  for (const side of ["sink", "raw"] as const) {
    say(
      `| ${side}, both runs | – | ${(2 * events).toLocaleString("en-US")} | ${total(side).toFixed(2)} | ${rate(2 * events, total(side))} |`,
    );
  }
  say("");
  say(
    `ratio sink/raw (rows/s): ${ratio.toFixed(3)} (target ≥ 0.5) — ${ratio >= 0.5 ? "met" : "NOT met"}; order ${order.join(", ")}`,
  );
  say(`check (last sink run): ${check}`);
} finally {
  client?.release();
  await dropAll(pool, base).catch((e) => say(`cleanup: ${e}`));
  await pool.end();
  say(`cleaned up ${base}`);
}
