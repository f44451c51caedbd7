// Why plays are accepted slowly: the write path's parts, one request at a time (service
// times, no queueing), in the same run. See README.md beside this file.
//
//   npx tsx bench/end-to-end/write-path.ts [--requests 200] [--batch 1] [--concurrency 1,20]
//
// - POST /api/listening/plays with `--batch` plays (app.inject, stage.ts: the app checks the
//   tracks against vobe-catalog-snapshots and writes the batch in one Kafka transaction of
//   the app's single transactional producer, api/events/atomic.ts, which runs one at a time);
// - a raw transactional producer: begin, send the same number of 300-byte records, commit;
// - a raw idempotent producer (acks=all): one send of as many records.
// Each part alternates with the others, one request at a time (service times); then each
// part alone with `--concurrency` requests in flight (throughput). The API's ceiling with a
// serial transaction per command is about 1000 / (transaction ms) commands/s.
import { randomBytes, randomUUID } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createAtomicWriter } from "../../api/events/atomic.ts";
import { createPlayGenerator } from "../../connect/demo/index.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { pct, type Stage, say, startStage } from "./stage.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    batch: { type: "string", default: "1" },
    concurrency: { type: "string", default: "1,20" },
  },
});
const concurrencies = args.concurrency.split(",").map(Number);
const requests = Number(args.requests);
const batch = Number(args.batch);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
say(
  `write path: ${requests} requests of ${batch} play(s), one at a time; ${availableParallelism()} cores, load ${load()}, ${new Date().toISOString()}`,
);

const stage: Stage = await startStage({ name: "write", topologies: [] });
const brokers = stage.endpoints.kafkaBrokers;
const topic = `${stage.prefix}raw-writes`;
const transactional = createProducer({
  brokers,
  clientId: "vobe-bench-write-tx",
  transactionalId: `vobe-bench-write-${randomUUID()}`,
});
const plain = createProducer({ brokers, clientId: "vobe-bench-write" });
// The API's own queue (one transaction at a time) around the raw transactional producer.
const atomic = createAtomicWriter(transactional);
const generator = createPlayGenerator({ seed: 3, tracks: stage.tracks, userIds: stage.userIds });
const payload = randomBytes(300);
const records = () =>
  Array.from({ length: batch }, () => ({ topic, key: Buffer.from(randomUUID()), value: payload }));

const parts: Record<string, () => Promise<void>> = {
  "API: POST /api/listening/plays (check + transaction)": async () => {
    const plays = Array.from({ length: batch }, () => {
      const p = generator.next();
      return { trackId: p.trackId, listenedMs: p.listenedMs, trackDurationMs: p.trackDurationMs };
    });
    const r = await stage.app.inject({
      method: "POST",
      url: "/api/listening/plays",
      headers: { authorization: `Bearer ${stage.tokens[0]}` },
      payload: { plays },
    });
    if (r.statusCode !== 202) throw new Error(`${r.statusCode} ${r.body}`);
  },
  "raw transactional producer: begin, send, commit (the API's queue, api/events/atomic.ts)":
    async () => {
      await atomic.run(() => atomic.producer.send(records()));
    },
  "raw idempotent producer, acks=all: send": async () => {
    await plain.send(records());
  },
};

try {
  await stage.admin.createTopics([{ name: topic, partitions: 6 }]);
  const times = new Map<string, number[]>(Object.keys(parts).map((k) => [k, []]));
  for (let i = 0; i < requests + 20; i++) {
    for (const [name, run] of Object.entries(parts)) {
      const t0 = performance.now();
      await run();
      if (i >= 20) times.get(name)?.push(performance.now() - t0);
    }
  }
  say("");
  say(
    "| part (one at a time) | p50 ms | p90 ms | p99 ms | ceiling if serial (1000 ÷ mean), per s |",
  );
  say("| --- | ---: | ---: | ---: | ---: |");
  for (const [name, t] of times) {
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    say(
      `| ${name} | ${pct(t, 50).toFixed(1)} | ${pct(t, 90).toFixed(1)} | ${pct(t, 99).toFixed(1)} | ${Math.round(1000 / mean)} |`,
    );
  }
  // The same parts with several requests in flight: does the API's serial transaction queue
  // (or anything else) keep it from overlapping them?
  say("");
  say("| part | requests in flight | requests/s | p50 ms | p99 ms |");
  say("| --- | ---: | ---: | ---: | ---: |");
  for (const concurrency of concurrencies) {
    for (const [name, run] of Object.entries(parts)) {
      const t: number[] = [];
      let next = 0;
      const began = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next++ < requests) {
            const t0 = performance.now();
            await run();
            t.push(performance.now() - t0);
          }
        }),
      );
      const rate = (t.length * 1000) / (performance.now() - began);
      say(
        `| ${name} | ${concurrency} | ${Math.round(rate)} | ${pct(t, 50).toFixed(1)} | ${pct(t, 99).toFixed(1)} |`,
      );
    }
  }
  say("");
  say(`load after ${load()}`);
} finally {
  await atomic.close();
  await plain.close();
  await stage.close();
}
