// What the sink costs on the append-heavy view, against a raw `COPY … FROM STDIN` of the
// same rows, and whether the sink itself would be faster writing its batches with COPY.
//
//   npx tsx bench/sinks/run.ts [--events 200000] [--batch 2000[,40000…]] [--reverse]
//                              [--passes 2] [--sides sink,sink-copy,…,copy,insert]
//
// Demo-like TrackPlayed events (demo catalog "small", Zipf popularity, 6 partitions by
// track), decoded once up front (Kafka fetch and Avro decode are timed on no side), cut
// into batches of `--batch` records (a list measures each size in turn; bench/sinks/
// batches.ts shows which sizes the real sink sees). Every side writes one transaction per
// batch, into a FRESH version schema per measurement (`ensureVersion`: the view's own
// migrations, so the same `plays` table, primary key and indexes on every side):
//
//   sink         the listening view's own batch code (sinks/postgres/listening/view.ts:
//                `insert … select … from unnest(arrays) on conflict (play_id) do nothing`;
//                the per-track counts are the processors', issue 11), inside the sink's transaction
//                (sinks/engine/sink.ts: `synchronous_commit = off`, `for update` on
//                sink_offsets, savepoint, offsets upsert with its pg_notify).
//   sink-copy    the same transaction and the same statement, but the plays arrive by
//                `COPY … FROM STDIN` into a temporary staging table (the engine's
//                `stageRows`, sinks/engine/rows.ts) and the statement reads them with
//                `with staged as (delete from stage returning …) insert … select …`.
//   sink-unnest  the same again, the plays sent as one array parameter per column
//                (`insert … select … from unnest($1::uuid[], …)`): one statement, ten
//                parameters, whatever the batch size.
//   rows-values  the engine's generic path (RowWriter, as every other view writes) on the
//                same rows: `upsert("plays", ["play_id"], …)`, forced to multi-row VALUES;
//   rows-copy    the same, forced to COPY + staging (RowWriter's `copyRows` = 1).
//   copy         BASELINE: raw `COPY plays (…) FROM STDIN` of the same rows, nothing else
//                (the server's default synchronous_commit, like `insert`).
//   insert       raw multi-row INSERT of the same rows (typed parameters, ≤ 60,000 per
//                statement, as the view chunks them), nothing else.
//
// Each side runs `--passes` times (default 2), every pass in the mirror order of the one
// before (A B C … C B A …; `--reverse` starts from the other end), after an untimed
// warm-up of all, so drift hits every side alike; ratios are of the summed times. After each
// run an untimed check hashes every play row: all sides must have written the same rows.
// The bench's schemas are dropped at the end.
import { randomUUID } from "node:crypto";
import { availableParallelism, cpus, loadavg } from "node:os";
import { finished } from "node:stream/promises";
import { parseArgs } from "node:util";
import { from as copyFrom } from "pg-copy-streams";
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
  dropVersion,
  ensureVersion,
  loadColumnTypes,
  positionsChannel,
  quote,
  RowWriter,
  stageRows,
  versionSchema,
} from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { ensureDatabase } from "../../sinks/runtime.ts";

const allSides = [
  "sink",
  "sink-copy",
  "sink-unnest",
  "rows-values",
  "rows-copy",
  "copy",
  "insert",
] as const;
type Side = (typeof allSides)[number];

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    batch: { type: "string", default: "2000" },
    reverse: { type: "boolean", default: false },
    sides: { type: "string", default: allSides.join(",") },
    passes: { type: "string", default: "2" },
  },
});
const events = Number(args.events);
const batchSizes = args.batch.split(",").map(Number);
const sides = args.sides.split(",") as Side[];
const passes = Number(args.passes);
if (!Number.isInteger(events) || events <= 0) throw new Error("--events: a positive integer");
if (batchSizes.some((b) => !Number.isInteger(b) || b <= 0)) {
  throw new Error("--batch: positive integers, comma-separated");
}
if (!Number.isInteger(passes) || passes < 1) throw new Error("--passes: a positive integer");
if (sides.some((side) => !allSides.includes(side)) || !sides.includes("copy")) {
  throw new Error(`--sides: some of ${allSides.join(",")}, copy (the baseline) included`);
}

const say = (line: string) => console.log(line);
const n = (x: number) => Math.round(x).toLocaleString("en-US");
const endpoints = endpointsFromEnv();
const base = `bench_${randomUUID().replaceAll("-", "").slice(0, 8)}_listening`;
const topic = "listening.plays";
const partitions = 6;

say(
  `sinks: ${n(events)} TrackPlayed events per run, batches of ${batchSizes.map(n).join(" / ")}, ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, Node ${process.version}, ${new Date().toISOString()}`,
);
say(`postgres ${new URL(endpoints.databaseUrl).host}, database listening, schemas ${base}_v<N>`);
say("baseline: COPY … FROM STDIN (pg-copy-streams) of the same rows, one transaction per batch");

// Demo-like plays as decoded records with positions: partition by track, offsets in
// order per partition.
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
type Play = Record<(typeof columns)[number], unknown>;

/** The row the listening view's TrackPlayed handler writes for a record. */
const playOf = (d: DecodedRecord): Play => {
  const e = d.event as TrackPlayed;
  return {
    play_id: e.playId,
    track_id: e.trackId,
    user_id: e.userId,
    listened_ms: e.listenedMs,
    track_duration_ms: e.trackDurationMs,
    completed: e.completed,
    source: e.source,
    played_at: e.occurredAt,
    partition: d.record.partition,
    offset: d.record.offset,
  };
};

/** One value in COPY's text format (tab-separated, `\N` for null, backslash escapes). */
const copyField = (v: unknown): string => {
  if (v === null || v === undefined) return "\\N";
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "boolean") return v ? "t" : "f";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return String(v).replace(
    /[\\\n\r\t]/g,
    (ch) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[ch] as string,
  );
};
const copyText = (rows: readonly Play[]): string => {
  let text = "";
  for (const row of rows) text += `${columns.map((c) => copyField(row[c])).join("\t")}\n`;
  return text;
};
const copyInto = async (c: PoolClient, target: string, text: string) => {
  const stream = c.query(copyFrom(`copy ${target} (${columns.map(quote).join(", ")}) from stdin`));
  stream.end(text);
  await finished(stream);
};
const toParameter = (v: unknown) => (typeof v === "bigint" ? v.toString() : v);

await ensureDatabase(endpoints, "listening");
const pool = createPool(databaseUrlFor(endpoints, "listening"), 2);
let client: PoolClient | undefined;
try {
  client = await pool.connect();
  const c = client;
  let version = 0;
  const freshScope = async (): Promise<BatchScope> => {
    version += 1;
    await ensureVersion(pool, { base, version, migrationsDir: listeningView.migrationsDir });
    const schema = versionSchema(base, version);
    return { schema, version, columns: await loadColumnTypes(c, schema) };
  };

  /** The sink's transaction for one fetched batch (sinks/engine/sink.ts, step + apply). */
  const inSinkTransaction = async (
    scope: BatchScope,
    batch: DecodedRecord[],
    flush: () => Promise<void>,
  ) => {
    const s = quote(scope.schema);
    await c.query("begin; set local synchronous_commit = off");
    await c.query(
      `select topic, partition, next_offset from ${s}.sink_offsets where view = $1 for update`,
      [listeningView.name],
    );
    await c.query("savepoint batch");
    await flush();
    await c.query("release savepoint batch");
    const last = new Map<number, bigint>();
    for (const d of batch) last.set(d.record.partition, d.record.offset + 1n);
    const params: unknown[] = [listeningView.name];
    const tuples = [...last].map(([partition, offset]) => {
      params.push(topic, partition, offset.toString());
      const i = params.length;
      return `($1, $${i - 2}, $${i - 1}::int, $${i}::bigint, now())`;
    });
    params.push(positionsChannel, base);
    await c.query(
      `with moved as (
         insert into ${s}.sink_offsets (view, topic, partition, next_offset, updated_at)
         values ${tuples.join(", ")}
         on conflict (view, topic, partition) do update
           set next_offset = excluded.next_offset, updated_at = excluded.updated_at
         returning 1)
       select pg_notify($${params.length - 1}, $${params.length})`,
      params,
    );
    await c.query("commit");
  };

  /** The view's plays statement (listening/view.ts `insertPlays`), reading its rows from `source`. */
  const playsUpsert = (schema: string, source: string, before = "") => {
    const s = quote(schema);
    const cols = columns.map(quote).join(", ");
    const prefix = before ? `with ${before.replace(/,\s*$/, "")} ` : "";
    return `${prefix}insert into ${s}.plays (${cols}) select ${cols} from ${source}
       on conflict (play_id) do nothing`;
  };

  /** The engine's generic path (RowWriter upserts) on the same rows, forced to one way. */
  const rowWriter = (scope: BatchScope, batch: DecodedRecord[], copyRows: number) =>
    inSinkTransaction(scope, batch, async () => {
      const rows = new RowWriter(scope.schema, scope.columns, "last_offset", copyRows);
      for (const d of batch) rows.upsert("plays", ["play_id"], playOf(d));
      await rows.flush(c);
    });
  const write: Record<Side, (scope: BatchScope, batch: DecodedRecord[]) => Promise<void>> = {
    sink: (scope, batch) =>
      inSinkTransaction(scope, batch, async () => {
        const b = listeningView.batch(scope);
        for (const d of batch) b.add(d);
        await b.flush(c);
      }),
    "sink-copy": (scope, batch) =>
      inSinkTransaction(scope, batch, async () => {
        const types = scope.columns.get("plays") as ReadonlyMap<string, string>;
        const staged = await stageRows(
          c,
          { schema: scope.schema, table: "plays", types },
          columns,
          batch.map(playOf),
        );
        await c.query(playsUpsert(scope.schema, "staged", `staged as (${staged}), `));
      }),
    "sink-unnest": (scope, batch) =>
      inSinkTransaction(scope, batch, async () => {
        const types = scope.columns.get("plays") as ReadonlyMap<string, string>;
        const rows = batch.map(playOf);
        const arrays = columns.map((col) => rows.map((r) => toParameter(r[col])));
        const source = `unnest(${columns.map((col, i) => `$${i + 1}::${types.get(col)}[]`).join(", ")}) as u(${columns.map(quote).join(", ")})`;
        await c.query(playsUpsert(scope.schema, source), arrays);
      }),
    "rows-values": (scope, batch) => rowWriter(scope, batch, Number.POSITIVE_INFINITY),
    "rows-copy": (scope, batch) => rowWriter(scope, batch, 1),
    copy: async (scope, batch) => {
      await c.query("begin");
      await copyInto(c, `${quote(scope.schema)}.plays`, copyText(batch.map(playOf)));
      await c.query("commit");
    },
    insert: async (scope, batch) => {
      const types = scope.columns.get("plays") as ReadonlyMap<string, string>;
      await c.query("begin");
      const perStatement = Math.floor(60_000 / columns.length);
      for (let start = 0; start < batch.length; start += perStatement) {
        const params: unknown[] = [];
        const tuples = batch.slice(start, start + perStatement).map((d) => {
          const row = playOf(d);
          return `(${columns
            .map((col) => {
              params.push(toParameter(row[col]));
              return `$${params.length}::${types.get(col)}`;
            })
            .join(", ")})`;
        });
        await c.query(
          `insert into ${quote(scope.schema)}.plays (${columns.map(quote).join(", ")}) values ${tuples.join(", ")}`,
          params,
        );
      }
      await c.query("commit");
    },
  };

  /** Untimed: what the run left, so every side can be seen to write the same plays. */
  const check = async (scope: BatchScope) => {
    const s = quote(scope.schema);
    const { rows } = await c.query<{ plays: string; hash: string }>(
      `select (select count(*) from ${s}.plays) as plays,
              (select coalesce(sum(hashtextextended(p::text, 0)), 0) from ${s}.plays p) as hash`,
    );
    return rows[0] as { plays: string; hash: string };
  };

  const label: Record<Side, string> = {
    sink: "sink: the view's own path (unnest arrays)",
    "sink-copy": "sink: COPY to staging + insert … select",
    "sink-unnest": "sink: unnest(arrays) + insert … select",
    "rows-values": "RowWriter upsert: multi-row VALUES",
    "rows-copy": "RowWriter upsert: COPY to staging",
    copy: "raw COPY FROM STDIN (baseline)",
    insert: "raw multi-row INSERT",
  };
  const summary: string[] = [];

  for (const batchSize of batchSizes) {
    const batches: DecodedRecord[][] = [];
    for (let i = 0; i < decoded.length; i += batchSize) {
      batches.push(decoded.slice(i, i + batchSize));
    }
    say("");
    say(`batches of ${n(batchSize)} (${n(batches.length)} transactions per run)`);

    // Warm-up (untimed): connection, plan cache, JIT on every path.
    for (const side of sides) {
      const scope = await freshScope();
      for (const b of batches.slice(0, 10)) await write[side](scope, b);
      await dropVersion(pool, { base, version: scope.version });
    }

    const first = args.reverse ? [...sides].reverse() : [...sides];
    const order = Array.from({ length: passes }, (_, i) =>
      i % 2 === 0 ? first : [...first].reverse(),
    ).flat();
    const runs: Array<{ side: Side; order: number; seconds: number }> = [];
    const checks = new Map<Side, string>();
    for (const [i, side] of order.entries()) {
      const scope = await freshScope();
      const began = performance.now();
      for (const b of batches) await write[side](scope, b);
      const seconds = (performance.now() - began) / 1000;
      const left = await check(scope);
      await dropVersion(pool, { base, version: scope.version });
      runs.push({ side, order: i + 1, seconds });
      checks.set(side, `${left.plays} plays, hash ${left.hash}`);
      if (left.plays !== String(events)) throw new Error(`${side} left ${left.plays} plays`);
      say(
        `  run ${i + 1}: ${side.padEnd(11)} ${seconds.toFixed(2)} s  ${n(events / seconds)} rows/s`,
      );
    }
    if (new Set(checks.values()).size !== 1) {
      throw new Error(`the sides wrote different plays: ${JSON.stringify([...checks])}`);
    }

    const total = (side: Side) =>
      runs.filter((r) => r.side === side).reduce((sum, r) => sum + r.seconds, 0);
    const copySeconds = total("copy");
    say("");
    say(
      `| side (batches of ${n(batchSize)}) | runs | rows/s per run | rows/s, all runs | ratio to COPY |`,
    );
    say("| --- | --- | ---: | ---: | ---: |");
    for (const side of sides) {
      const mine = runs.filter((r) => r.side === side);
      say(
        `| ${label[side]} | ${mine.map((r) => r.order).join(", ")} | ${mine.map((r) => n(events / r.seconds)).join(" / ")} | ${n((passes * events) / total(side))} | ${(copySeconds / total(side)).toFixed(3)} |`,
      );
    }
    say("");
    const ratio = copySeconds / total("sink");
    say(
      `ratio sink/COPY (rows/s): ${ratio.toFixed(3)} (target ≥ 0.5) — ${ratio >= 0.5 ? "met" : "NOT met"}; order ${order.join(", ")}`,
    );
    if (sides.includes("sink-copy")) {
      const gain = total("sink") / total("sink-copy") - 1;
      say(
        `sink-copy vs sink: ${gain >= 0 ? "+" : ""}${(100 * gain).toFixed(1)}% rows/s (COPY staging ${gain > 0.15 ? "IS" : "is NOT"} > 15% faster)`,
      );
    }
    if (sides.includes("rows-values") && sides.includes("rows-copy")) {
      const gain = total("rows-values") / total("rows-copy") - 1;
      say(
        `rows-copy vs rows-values (RowWriter): ${gain >= 0 ? "+" : ""}${(100 * gain).toFixed(1)}% rows/s`,
      );
    }
    say(`check: every side wrote ${[...checks.values()][0]}`);
    summary.push(
      `batches of ${n(batchSize)}: ${sides.map((side) => `${side} ${n((passes * events) / total(side))}`).join(", ")} rows/s; sink/COPY ${ratio.toFixed(3)}`,
    );
  }
  if (batchSizes.length > 1) {
    say("");
    for (const line of summary) say(line);
  }
} finally {
  // A failed run may leave its transaction open on the client the cleanup would reuse.
  await client?.query("rollback").catch(() => {});
  client?.release();
  await dropAll(pool, base).catch((e) => say(`cleanup: ${e}`));
  await pool.end();
  say(`cleaned up ${base}`);
}
