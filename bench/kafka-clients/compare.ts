// Measured comparison of kafkajs and @platformatic/kafka against the real broker, for ADR 004.
//   npx tsx bench/kafka-clients/compare.ts [--messages N] [--bootstrap host:port] [--reverse]
// Each client gets its own topics and groups (prefix bench.clients.<client>.<run>), and every
// scenario is caught separately so one client's failure never hides the other's figures.
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import {
  brokerApiVersions,
  type ClientAdapter,
  type ConsumeResult,
  describeError,
  type FencingResult,
  type Kip447Finding,
  type ProduceResult,
  type TransactionResult,
  type Workload,
  withTimeout,
} from "./common.ts";
import { KafkajsAdapter } from "./kafkajs.ts";
import { PlatformaticAdapter } from "./platformatic.ts";

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

interface ClientReport {
  adapter: ClientAdapter;
  produce: Outcome<ProduceResult>;
  consume: Outcome<ConsumeResult>;
  transaction: Outcome<TransactionResult>;
  fencing: Outcome<FencingResult>;
  kip447: Outcome<Kip447Finding>;
  gaps: Outcome<string[]>;
}

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "200000" },
    bootstrap: { type: "string", default: "127.0.0.1:9092" },
    reverse: { type: "boolean", default: false },
  },
});

const messages = Number(args.messages);
if (!Number.isInteger(messages) || messages <= 0)
  throw new Error("--messages must be a positive integer");
const bootstrap = args.bootstrap;
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

function workload(client: string): Workload {
  return {
    bootstrap,
    prefix: `bench.clients.${client}.${runId}`,
    messages,
    valueBytes: 200,
    keys: 100,
    partitions: 3,
    batchSize: 1000,
    inFlight: 4,
    txMessages: 300,
    abortedMessages: 50,
  };
}

// Generous: kafkajs and idempotent producers retry "forever" on retriable errors.
const SCENARIO_TIMEOUT_MS = 180_000;

async function attempt<T>(label: string, fn: () => Promise<T>): Promise<Outcome<T>> {
  process.stdout.write(`  ${label} ... `);
  try {
    const value = await withTimeout(fn(), SCENARIO_TIMEOUT_MS, label);
    process.stdout.write("ok\n");
    return { ok: true, value };
  } catch (error) {
    const text = describeError(error);
    process.stdout.write(`FAILED: ${text}\n`);
    return { ok: false, error: text };
  }
}

async function runClient(
  adapter: ClientAdapter,
  w: Workload,
  apis: Map<number, { min: number; max: number }>,
) {
  console.log(`\n== ${adapter.name} (topics ${w.prefix}.*)`);
  const kip447 = await attempt("KIP-447 source inspection", () => adapter.kip447(apis));
  const gaps = await attempt("protocol version check", () => adapter.protocolGaps(apis));
  const setup = await attempt("create topics", () => adapter.setup(w));
  const skipped = <T>(): Outcome<T> => ({
    ok: false,
    error: `skipped: setup failed (${setup.ok ? "" : setup.error})`,
  });
  const report: ClientReport = {
    adapter,
    kip447,
    gaps,
    produce: setup.ok ? await attempt("produce", () => adapter.produce(w)) : skipped(),
    consume: skipped(),
    transaction: skipped(),
    fencing: skipped(),
  };
  if (setup.ok) {
    report.consume = report.produce.ok
      ? await attempt("consume", () => adapter.consume(w))
      : { ok: false, error: "skipped: produce failed" };
    report.transaction = await attempt("transaction with offsets + abort", () =>
      adapter.transaction(w),
    );
    report.fencing = await attempt("zombie fencing", () => adapter.fencing(w));
  }
  await attempt("delete topics and groups", () => adapter.teardown(w));
  return report;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function rates(r: ClientReport) {
  const p = r.produce.ok ? r.produce.value : undefined;
  const c = r.consume.ok ? r.consume.value : undefined;
  return {
    produceRps: p ? p.records / p.seconds : undefined,
    produceMBps: p ? p.bytes / 1e6 / p.seconds : undefined,
    consumeRps: c ? c.records / c.seconds : undefined,
    firstMs: c?.firstRecordMs,
  };
}

function cells(r: ClientReport): string[] {
  const x = rates(r);
  const num = (v: number | undefined, d = 0) => (v === undefined ? "FAILED" : fmt(v, d));
  const tx = r.transaction.ok ? r.transaction.value : undefined;
  const passFail = (v: boolean | undefined) => (v === undefined ? "FAILED" : v ? "pass" : "FAIL");
  const fencing = r.fencing.ok
    ? `${r.fencing.value.fenced ? "pass" : "FAIL"} (${r.fencing.value.failedAt})${r.fencing.value.note ? " *" : ""}`
    : "FAILED";
  return [
    `${r.adapter.name} ${r.adapter.version}`,
    num(x.produceRps),
    num(x.produceMBps, 1),
    num(x.consumeRps),
    num(x.firstMs),
    passFail(tx ? tx.outputsVisible && tx.offsetsAdvanced : undefined),
    passFail(tx ? tx.abortedInvisible && tx.abortedWrittenUncommitted : undefined),
    fencing,
    r.kip447.ok ? r.kip447.value.summary : "FAILED",
  ];
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((wd) => "-".repeat(wd + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

function printDetails(r: ClientReport) {
  console.log(`\n-- ${r.adapter.name} ${r.adapter.version}`);
  const show = <T>(label: string, o: Outcome<T>, ok: (v: T) => string) =>
    console.log(`  ${label}: ${o.ok ? ok(o.value) : `FAILED: ${o.error}`}`);
  show("produce", r.produce, (v) => `${fmt(v.records)} records in ${fmt(v.seconds, 2)} s`);
  show(
    "consume",
    r.consume,
    (v) =>
      `${fmt(v.records)} records in ${fmt(v.seconds, 2)} s (first record after ${fmt(v.firstRecordMs)} ms)`,
  );
  show("transaction", r.transaction, (v) => v.detail);
  show(
    "fencing",
    r.fencing,
    (v) =>
      `${v.fenced ? "fenced" : "NOT fenced"} at ${v.failedAt}: ${v.error}` +
      (v.note ? `\n    NOTE: ${v.note}` : ""),
  );
  show("KIP-447", r.kip447, (v) => `${v.summary}\n    ${v.evidence.join("\n    ")}`);
  show("protocol gaps vs this broker", r.gaps, (v) => (v.length ? v.join("; ") : "none found"));
  if (r.adapter instanceof KafkajsAdapter && r.adapter.logged.length > 0) {
    const unique = [...new Set(r.adapter.logged)];
    console.log(
      `  kafkajs logged ${r.adapter.logged.length} error lines (${unique.length} distinct), first ones:`,
    );
    for (const entry of unique.slice(0, 6)) console.log(`    ${entry.slice(0, 400)}`);
  }
}

const apis = await brokerApiVersions(bootstrap);
const range = (key: number) => {
  const r = apis.get(key);
  return r ? `v${r.min}-v${r.max}` : "absent";
};
console.log(
  `broker ${bootstrap}: Produce ${range(0)}, Fetch ${range(1)}, JoinGroup ${range(11)}, ` +
    `InitProducerId ${range(22)}, TxnOffsetCommit ${range(28)}`,
);
console.log(
  `node ${process.version}, ${availableParallelism()} cores; N=${fmt(messages)}, 200-byte values, ` +
    `100 keys, 3 partitions, acks=all idempotent, batches of 1000, 4 send calls in flight`,
);

const adapters: ClientAdapter[] = [
  new KafkajsAdapter(bootstrap),
  new PlatformaticAdapter(bootstrap),
];
if (args.reverse) adapters.reverse();
const reports: ClientReport[] = [];
for (const adapter of adapters) {
  reports.push(
    await runClient(
      adapter,
      workload(adapter.name === "kafkajs" ? "kafkajs" : "platformatic"),
      apis,
    ),
  );
}

for (const r of reports) printDetails(r);

console.log("\n== Summary");
printTable(
  [
    "client",
    "produce rec/s",
    "produce MB/s",
    "consume rec/s",
    "first rec ms",
    "tx with offsets",
    "abort invisible",
    "fencing",
    "KIP-447 (group metadata)",
  ],
  reports.map(cells),
);
console.log(
  "consume rec/s counts from the consume call to the Nth record (group join included). first rec ms is " +
    "not a latency figure: @platformatic/kafka's first fetch may carry up to 50 MB, kafkajs' 1 MB per partition.",
);
console.log(
  "fencing (call): the zombie call that failed; * = needed a client workaround, see NOTE above.",
);

const kjs = reports.find((r) => r.adapter.name === "kafkajs");
const plt = reports.find((r) => r.adapter.name !== "kafkajs");
if (kjs && plt) {
  const a = rates(plt);
  const b = rates(kjs);
  const ratio = (x: number | undefined, y: number | undefined) =>
    x === undefined || y === undefined ? "n/a" : `${fmt(x / y, 2)}x`;
  console.log(
    `ratio platformatic/kafkajs: produce rec/s ${ratio(a.produceRps, b.produceRps)}, ` +
      `produce MB/s ${ratio(a.produceMBps, b.produceMBps)}, consume rec/s ${ratio(a.consumeRps, b.consumeRps)}`,
  );
}

// Clients may leave sockets or timers behind after a failure; the report is complete.
process.exit(0);
