/**
 * Export to Parquet (ops/export/) beside a plain read of the same records: events/s of
 * `exportTopic` (fetch, decode through the registry, DuckDB append, Parquet per event
 * date, fsync, state) and of a raw fetch loop over the same partitions (read_committed,
 * records counted, nothing decoded), on one prefixed copy of listening.plays, alternating
 * the sides after an untimed warm-up of each.
 *
 *   npx tsx bench/export/run.ts [--events 200000] [--days 7] [--rounds 2] [--reverse]
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import { exportTopic } from "../../ops/export/export.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { publishPlays } from "../support/plays.ts";
import { rawRead } from "../support/raw-read.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    days: { type: "string", default: "7" },
    rounds: { type: "string", default: "2" },
    reverse: { type: "boolean", default: false },
  },
});
const events = Number(values.events);
const endpoints = endpointsFromEnv();
const prefix = `bench.export.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(
  prefix,
  catalog.filter((t) => t.name === "listening.plays"),
);
const entry = entries[0] as (typeof entries)[number];
const topic = entry.name;
const work = mkdtempSync(join(tmpdir(), "vobe-bench-export-"));

async function publish(): Promise<void> {
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  await publishPlays(endpoints, topic, events, Number(values.days));
}

const rawReadTopic = () => rawRead(endpoints.kafkaBrokers, [topic]);

let exportRun = 0;
async function exportOnce(): Promise<number> {
  const out = join(work, `run-${exportRun++}`);
  try {
    const result = await exportTopic({
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.schemaRegistryUrl,
      entry,
      out,
    });
    return result.records;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function timed(run: () => Promise<number>): Promise<{ records: number; seconds: number }> {
  const started = performance.now();
  const records = await run();
  return { records, seconds: (performance.now() - started) / 1000 };
}

try {
  console.log(`publishing ${events} plays over ${values.days} days to ${topic}…`);
  await publish();
  await rawReadTopic();
  await exportOnce();
  const sides = values.reverse
    ? ([
        ["export", exportOnce],
        ["raw read", rawReadTopic],
      ] as const)
    : ([
        ["raw read", rawReadTopic],
        ["export", exportOnce],
      ] as const);
  const runs = new Map<string, Array<{ records: number; seconds: number }>>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, run] of sides) {
      const result = await timed(run);
      if (result.records !== events)
        throw new Error(`${name} saw ${result.records} of ${events} records`);
      runs.set(name, [...(runs.get(name) ?? []), result]);
    }
  }
  const rate = (name: string) => {
    const list = runs.get(name) ?? [];
    return list.reduce((s, r) => s + r.records, 0) / list.reduce((s, r) => s + r.seconds, 0);
  };
  const table = new Table({ head: ["side", "runs", "events/s", "ratio to raw read"] });
  for (const [name] of sides) {
    table.push([
      name,
      (runs.get(name) ?? []).map((r) => `${r.seconds.toFixed(2)} s`).join(", "),
      Math.round(rate(name)).toLocaleString("en"),
      (rate(name) / rate("raw read")).toFixed(3),
    ]);
  }
  console.log(table.toString());
} finally {
  rmSync(work, { recursive: true, force: true });
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
  const registry = registryApi(endpoints.schemaRegistryUrl);
  for (const s of entries.flatMap((t) => t.events.map(subjectOf))) {
    await registry.deleteSubject(s).catch(() => {});
  }
}
