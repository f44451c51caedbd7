// The floor of one exactly-once hop: records produced to an input topic, copied by a raw
// consume→produce loop that commits every `commitIntervalMs` in a transaction with its
// input offsets (the engine's loop without the engine, as bench/streams' ceiling), and
// read from the output with read_committed. Nothing a derived view does can be fresher
// than this at the same commit interval; freshness.ts reports it beside the broker's
// plain produce→consume.
import { randomBytes, randomUUID } from "node:crypto";
import { formatPosition } from "../../api/read/positions.ts";
import {
  createAdmin,
  createFetcher,
  createGroupMember,
  createProducer,
  type FetchPosition,
  type OutRecord,
  partitionKey,
} from "../../platform/kafka/index.ts";
import { pct, sleep } from "./stage.ts";

export async function eosHop(options: {
  brokers: string[];
  prefix: string;
  rate: number;
  seconds: number;
  commitIntervalMs: number;
}): Promise<{ p50: number; p99: number; n: number; missing: number }> {
  const { brokers, prefix } = options;
  const run = randomUUID().slice(0, 8);
  const input = `${prefix}eos-hop-${run}-in`;
  const output = `${prefix}eos-hop-${run}-out`;
  const groupId = `${prefix}eos-hop-${run}`;
  const admin = createAdmin({ brokers, clientId: groupId });
  await admin.createTopics([
    { name: input, partitions: 3 },
    { name: output, partitions: 3 },
  ]);
  const producer = createProducer({ brokers, clientId: `${groupId}-in` });
  const hopProducer = createProducer({
    brokers,
    clientId: `${groupId}-hop`,
    transactionalId: `${groupId}-tx`,
  });
  const hopFetcher = createFetcher({ brokers, clientId: `${groupId}-hop` });
  const outFetcher = createFetcher({ brokers, clientId: `${groupId}-out` });
  const member = createGroupMember({
    brokers,
    clientId: `${groupId}-hop`,
    groupId,
    topics: [input],
    assignor: (members, counts) =>
      new Map(
        members.map((m, i) => [
          m,
          i === 0
            ? [...counts].flatMap(([topic, n]) =>
                Array.from({ length: n }, (_, partition) => ({ topic, partition })),
              )
            : [],
        ]),
      ),
  });
  let running = true;
  try {
    await hopProducer.initTransactions();
    await member.join();
    const positions = member.assignment().map((tp) => ({ tp, offset: 0n }));
    const committedAt = new Map(positions.map((p) => [partitionKey(p.tp), 0n]));
    let buffered: OutRecord[] = [];
    let lastCommit = Date.now();
    const hop = (async () => {
      while (running) {
        for (const f of await hopFetcher.fetch(
          positions.map((p) => ({ ...p.tp, offset: p.offset })),
          { maxWaitMs: 100 },
        )) {
          // The output record names its input (its key), so the reader can match it.
          for (const r of f.records)
            buffered.push({ topic: output, key: Buffer.from(formatPosition(r)), value: r.value });
          const p = positions.find((q) => partitionKey(q.tp) === partitionKey(f));
          if (p) p.offset = f.nextOffset;
        }
        if (Date.now() - lastCommit < options.commitIntervalMs) continue;
        const moved = positions
          .filter((p) => committedAt.get(partitionKey(p.tp)) !== p.offset)
          .map((p) => ({ ...p.tp, offset: p.offset }));
        if (buffered.length > 0 || moved.length > 0) {
          const tx = await hopProducer.transaction();
          await tx.send(buffered);
          await tx.sendGroupOffsets(member, moved);
          await tx.commit();
          buffered = [];
          for (const p of positions) committedAt.set(partitionKey(p.tp), p.offset);
        }
        lastCommit = Date.now();
      }
    })();
    const seen = new Map<string, number>();
    const outPositions: FetchPosition[] = [0, 1, 2].map((partition) => ({
      topic: output,
      partition,
      offset: 0n,
    }));
    const read = (async () => {
      while (running) {
        for (const part of await outFetcher.fetch(outPositions, { maxWaitMs: 500 })) {
          const now = performance.now();
          for (const r of part.records) if (r.key) seen.set(r.key.toString(), now);
          const p = outPositions.find((q) => q.partition === part.partition);
          if (p && part.nextOffset > p.offset) p.offset = part.nextOffset;
        }
      }
    })();
    // Untimed warm-up, then the timed records at the rate.
    const payload = randomBytes(300);
    const sent = new Map<string, number>();
    const total = Math.round(options.rate * options.seconds);
    const began = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total + 20; i++) {
      const wait = began + (i * 1000) / options.rate - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(
        (async () => {
          const t0 = performance.now();
          const [at] = await producer.send([
            { topic: input, key: Buffer.from(randomUUID()), value: payload },
          ]);
          if (at && i >= 20) sent.set(formatPosition(at), t0);
        })(),
      );
    }
    await Promise.all(pending);
    const deadline = performance.now() + 15_000;
    while ([...sent.keys()].some((k) => !seen.has(k)) && performance.now() < deadline)
      await sleep(50);
    running = false;
    await Promise.all([hop, read]);
    const lat = [...sent].flatMap(([k, t0]) => {
      const s = seen.get(k);
      return s === undefined ? [] : [s - t0];
    });
    return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length, missing: sent.size - lat.length };
  } finally {
    running = false;
    await member.leave().catch(() => {});
    await hopProducer.close().catch(() => {});
    await producer.close().catch(() => {});
    await hopFetcher.close().catch(() => {});
    await outFetcher.close().catch(() => {});
    await admin.deleteTopics([input, output]).catch(() => {});
    await admin.close();
  }
}
