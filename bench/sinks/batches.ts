// How big the listening sink's batches really are: a batch is whatever one fetch returns
// (docs/adr/010-sinks.md), so its size depends on the backlog, not on a setting. This runs
// the real sink (sinks/engine/sink.ts, the listening view, a Fetcher on the broker) on a
// prefixed copy of the listening topics and records the number of records of every batch
// it applies, in two regimes:
//   - catch-up: `--backlog` demo plays already in the topic (a rebuild, a restart after
//     downtime), the sink started from offset 0;
//   - live: the listener simulator publishing at each `--rates` rate for `--seconds`
//     while the sink follows.
//
//   npx tsx bench/sinks/batches.ts [--backlog 200000] [--rates 100,1000,5000] [--seconds 10]
//
// run.ts then measures the write paths at these sizes (`--batch`). The topics, their
// registry subjects and the bench's schema are deleted at the end.
import { randomUUID } from "node:crypto";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import {
  createPlayGenerator,
  demoListening,
  generateDemoCatalog,
  type PlayPayload,
  simulatePlays,
} from "../../connect/demo/index.ts";
import { databaseUrlFor, endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import {
  createEventProducer,
  type Envelope,
  type PendingEvent,
  systemActor,
} from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import { TrackPlayed } from "../../schemas/generated/listening.ts";
import { createSink, dropAll, type ViewDefinition } from "../../sinks/engine/index.ts";
import { listeningView } from "../../sinks/postgres/listening/view.ts";
import { ensureDatabase } from "../../sinks/runtime.ts";

const { values: args } = parseArgs({
  options: {
    backlog: { type: "string", default: "200000" },
    rates: { type: "string", default: "100,1000,5000" },
    seconds: { type: "string", default: "10" },
  },
});
const backlog = Number(args.backlog);
const rates = args.rates.split(",").map(Number);
const seconds = Number(args.seconds);
if (!Number.isInteger(backlog) || backlog <= 0) throw new Error("--backlog: a positive integer");
if (rates.some((r) => !(r > 0))) throw new Error("--rates: positive numbers, comma-separated");
if (!(seconds > 0)) throw new Error("--seconds: a positive number");

const say = (line: string) => console.log(line);
const n = (x: number) => Math.round(x).toLocaleString("en-US");
const endpoints = endpointsFromEnv();
const id = randomUUID().replaceAll("-", "").slice(0, 8);
const topicPrefix = `bench.sinks.${id}.`;
const base = `bench_${id}_listening`;
const topicNames = new Set(listeningView.events.map((e) => e.topic));
const entries = prefixedCatalog(
  topicPrefix,
  catalog.filter((t) => topicNames.has(t.name)),
);
const plays: EventType<TrackPlayed> = {
  ...TrackPlayed,
  topic: `${topicPrefix}${TrackPlayed.topic}`,
};

say(
  `sinks batch sizes: backlog ${n(backlog)} plays, live rates ${rates.join(", ")}/s for ${seconds} s, ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}, Node ${process.version}, ${new Date().toISOString()}`,
);

/** The listening view, recording how many records each batch it flushes holds. */
const sizes: number[] = [];
const recording: ViewDefinition = {
  ...listeningView,
  batch(scope) {
    const inner = listeningView.batch(scope);
    let count = 0;
    return {
      add(record) {
        count += 1;
        inner.add(record);
      },
      async flush(client) {
        await inner.flush(client);
        sizes.push(count);
      },
    };
  },
};

const summary = (label: string, list: number[], wallSeconds: number) => {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const total = list.reduce((a, b) => a + b, 0);
  say(
    `| ${label} | ${n(total)} | ${n(list.length)} | ${n(at(0))} | ${n(at(0.5))} | ${n(at(0.9))} | ${n(sorted[sorted.length - 1] ?? 0)} | ${n(total / Math.max(list.length, 1))} | ${n(total / wallSeconds)} |`,
  );
};

const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench-sinks" });
await ensureDatabase(endpoints, listeningView.database);
const pool = createPool(databaseUrlFor(endpoints, listeningView.database), 4);
const sink = createSink({
  view: recording,
  pool,
  version: 1,
  base,
  topicPrefix,
  source: {
    admin,
    producer,
    fetcher: (clientId) => createFetcher({ brokers: endpoints.kafkaBrokers, clientId }),
    decode: (() => {
      const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
      return (value: Buffer) => registry.decode(value);
    })(),
  },
});
try {
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  const listening = demoListening(generateDemoCatalog({ size: "small", seed: 1 }));
  const generator = createPlayGenerator({ seed: 1, ...listening });
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  await events.prepare([plays]);
  for (let sent = 0; sent < backlog; sent += 1_000) {
    const batch: Array<PendingEvent<Envelope>> = [];
    for (let i = 0; i < Math.min(1_000, backlog - sent); i++) {
      const payload: PlayPayload = generator.next();
      batch.push({
        type: plays,
        key: payload.trackId,
        payload,
        context: { actor: systemActor },
      } as unknown as PendingEvent<Envelope>);
    }
    await events.publishAll(batch);
  }

  say("");
  say("| regime | records | batches | min | median | p90 | max | mean | records/s |");
  say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const began = performance.now();
  await sink.start();
  await sink.catchUp(600_000);
  summary(`catch-up of ${n(backlog)}`, sizes.splice(0), (performance.now() - began) / 1000);

  for (const rate of rates) {
    const report = await simulatePlays({
      endpoints,
      ratePerSecond: rate,
      durationSeconds: seconds,
      seed: rate,
      topicPrefix,
      handleSigint: false,
      ...listening,
    });
    await sink.catchUp(120_000);
    summary(`live at ${n(report.eventsPerSecond)}/s`, sizes.splice(0), report.seconds);
  }
  const stats = sink.stats();
  say("");
  say(
    `sink stats: ${n(stats.batches)} batches, ${n(stats.applied)} applied, ${stats.retries} retries, ${stats.deadLettered} dead-lettered`,
  );
} finally {
  await sink.stop().catch((e) => say(`stop: ${e}`));
  await dropAll(pool, base).catch((e) => say(`cleanup: ${e}`));
  await pool.end();
  await admin
    .deleteTopics([...entries.map((t) => t.name), sink.dlqTopic])
    .catch((e) => say(`cleanup: ${e}`));
  await admin.close();
  await producer.close();
  const registry = registryApi(endpoints.schemaRegistryUrl);
  for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
    await registry.deleteSubject(subject).catch((e) => say(`cleanup of ${subject}: ${e}`));
  }
  say(`cleaned up ${base}, ${topicPrefix}*`);
}
