// Back-to-back Kafka transactions of one producer (what the API's atomic writer and the
// engine's commits do): how long each takes, and how many of the client's requests the
// broker answered with a retriable error (CONCURRENT_TRANSACTIONS: the previous
// transaction's markers are still being written), with the client's default retry delay
// (1 s, what platform/kafka/producer.ts leaves it at) and with 20 ms (the delay the Java
// producer uses for this one case, KAFKA-5477).
//   npx tsx bench/end-to-end/transaction-retries.ts [--transactions 100]
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { ProduceAcks, Producer } from "@platformatic/kafka";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin } from "../../platform/kafka/index.ts";
import { pct, say } from "./stage.ts";

const { values: args } = parseArgs({
  options: { transactions: { type: "string", default: "100" } },
});
const n = Number(args.transactions);
const brokers = endpointsFromEnv().kafkaBrokers;
const topic = `bench.txretry.${randomUUID().slice(0, 8)}`;
const admin = createAdmin({ brokers, clientId: "vobe-bench-txretry" });
await admin.createTopics([{ name: topic, partitions: 3 }]);

async function run(retryDelay: number | undefined) {
  const retried = new Map<string, number>();
  // The client calls a function delay with the error it retries: count them by code.
  const delayOf = (_c: unknown, operationId: string, _a: number, _r: number, error: unknown) => {
    const codes = new Set<string>();
    const walk = (e: unknown) => {
      const x = e as { apiId?: string; errors?: unknown[]; response?: unknown };
      if (x?.apiId) codes.add(x.apiId);
      for (const inner of x?.errors ?? []) walk(inner);
    };
    walk(error);
    const key = `${operationId}: ${[...codes].join("+") || String((error as Error)?.message).slice(0, 60)}`;
    retried.set(key, (retried.get(key) ?? 0) + 1);
    return retryDelay ?? 1000;
  };
  const producer = new Producer({
    clientId: "vobe-bench-txretry",
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    transactionalId: `vobe-bench-txretry-${randomUUID()}`,
    retryDelay: delayOf,
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < n + 5; i++) {
      const t0 = performance.now();
      const tx = await producer.beginTransaction();
      await tx.send({
        messages: [{ topic, key: Buffer.from(String(i)), value: Buffer.from("x") }],
      });
      await tx.commit();
      if (i >= 5) times.push(performance.now() - t0);
    }
  } finally {
    await producer.close();
  }
  const slow = times.filter((t) => t > 500).length;
  say(
    `| ${retryDelay ?? "client default (1000)"} | ${n} | ${pct(times, 50).toFixed(1)} | ${pct(times, 90).toFixed(1)} | ${pct(times, 99).toFixed(1)} | ${slow} | ${[...retried].map(([op, c]) => `${op} ×${c}`).join(", ") || "none"} | ${Math.round((n * 1000) / times.reduce((a, b) => a + b, 0))} |`,
  );
}

try {
  say(
    "| retry delay ms | transactions | p50 ms | p90 ms | p99 ms | > 500 ms | retried requests | transactions/s |",
  );
  say("| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
  for (const delay of [undefined, 20, undefined, 20]) await run(delay);
} finally {
  await admin.deleteTopics([topic]).catch(() => {});
  await admin.close();
}
