// Why plays are accepted slowly: the write path's parts, one request at a time (service
// times, no queueing), in the same run. See README.md beside this file.
//
//   npx tsx bench/end-to-end/write-path.ts [--requests 200] [--batch 1]
//
// - POST /api/listening/plays with `--batch` plays (app.inject, stage.ts: the app checks the
//   tracks against vobe-catalog-snapshots and writes the batch in one Kafka transaction of
//   the app's single transactional producer, api/events/atomic.ts, which runs one at a time);
// - a raw transactional producer: begin, send the same number of 300-byte records, commit;
// - a raw idempotent producer (acks=all): one send of as many records.
// Each part alternates with the others, one request at a time. The API's ceiling with a
// serial transaction per command is about 1000 / (transaction ms) commands/s.
import { randomBytes, randomUUID } from "node:crypto";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createPlayGenerator } from "../../connect/demo/index.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { pct, type Stage, say, startStage } from "./stage.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    batch: { type: "string", default: "1" },
  },
});
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
  "raw transactional producer: begin, send, commit": async () => {
    const tx = await transactional.transaction();
    await tx.send(records());
    await tx.commit();
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
  say("");
  say(`load after ${load()}`);
} finally {
  await transactional.close();
  await plain.close();
  await stage.close();
}
