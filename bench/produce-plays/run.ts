// What the producer layer costs on the hottest topic: TrackPlayed events through
// producers/createEventProducer (envelope, Avro encoding with the registry's schema id,
// headers, publishAll) against the raw platform/kafka producer sending the SAME
// pre-encoded bytes (encoded once up front; only the sends are timed).
//   npx tsx bench/produce-plays/run.ts [--events 200000] [--batch 500] [--inflight 4]
//                                      [--reverse] [--actor listener|system] [--v8-pretenuring]
// Both sides use one producer (idempotent, acks=all), the same batch size and the same
// prefixed topic; each runs twice, alternating, so warm-up and broker drift hit both.
// The topic and its subject are deleted afterwards.
import { randomUUID } from "node:crypto";
import { availableParallelism, cpus } from "node:os";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import {
  createPlayGenerator,
  demoListening,
  generateDemoCatalog,
  type PlayPayload,
} from "../../connect/demo/index.ts";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createProducer, type OutRecord } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEncoder } from "../../producers/encoder.ts";
import { envelope, headersFor } from "../../producers/envelope.ts";
import {
  createEventProducer,
  type Envelope,
  type EventContext,
  type PendingEvent,
  systemActor,
} from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import type { TrackPlayed } from "../../schemas/generated/index.ts";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    batch: { type: "string", default: "500" },
    reverse: { type: "boolean", default: false },
    actor: { type: "string", default: "listener" },
    inflight: { type: "string", default: "4" },
    "v8-pretenuring": { type: "boolean", default: false },
  },
});
// Both sides' inputs are built up front: 200,000 records of key, value and header Buffers
// for the raw side, held for the whole run. With V8's allocation-site pretenuring on, that
// mass of long-lived Buffers can make V8 allocate later Buffers from the same sites in the
// old generation, the client's short-lived per-record pieces included; a process then runs
// either side at about half speed with four times the GC (bench/produce-plays/README.md).
// Which process falls into it is chance, so the ratio measured chance. A service holds no
// such mass (bench/streams, whose input waits in Kafka, showed no such modes), so the
// bench turns the heuristic off for both sides before building anything;
// --v8-pretenuring keeps V8's default.
if (!args["v8-pretenuring"]) setFlagsFromString("--no-allocation-site-pretenuring");
const events = Number(args.events);
const batchSize = Number(args.batch);
if (!Number.isInteger(events) || events <= 0) throw new Error("--events: a positive integer");
if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error("--batch: a positive integer");
const inflight = Number(args.inflight);
if (!Number.isInteger(inflight) || inflight <= 0) throw new Error("--inflight: a positive integer");

/**
 * Sends every batch with up to `inflight` sends outstanding, as a service does when many
 * requests publish at once; both sides use this same loop.
 */
async function pipelined<T>(
  items: readonly T[],
  send: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(inflight, items.length) }, async () => {
    while (next < items.length) await send(items[next++] as T);
  });
  await Promise.all(lanes);
}

const endpoints = endpointsFromEnv();
const prefix = `bench.plays.${randomUUID().slice(0, 8)}.`;
const entries = prefixedCatalog(
  prefix,
  catalog.filter((t) => t.name === "listening.plays"),
);
const type = entries[0]?.events[0] as EventType<TrackPlayed>;
if (args.actor !== "listener" && args.actor !== "system")
  throw new Error("--actor listener|system");
// A web play is the listener's own (actor = the listener); the simulator's are the system's.
const contextOf = (play: PlayPayload): EventContext =>
  args.actor === "system"
    ? { actor: systemActor }
    : { actor: { userId: play.userId, role: "listener" } };
const say = (line: string) => console.log(line);

type Side = "layer" | "raw";
interface Run {
  side: Side;
  order: number;
  seconds: number;
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) out.push(items.slice(i, i + batchSize));
  return out;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const began = performance.now();
  await fn();
  return (performance.now() - began) / 1000;
}

const rate = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString("en-US");

say(
  `produce-plays: ${events.toLocaleString("en-US")} TrackPlayed events per run, batches of ${batchSize}, ${inflight} in flight, actor ${args.actor}, ` +
    `${availableParallelism()} cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, ` +
    `V8 allocation-site pretenuring ${args["v8-pretenuring"] ? "on (V8's default)" : "off"}, ${new Date().toISOString()}`,
);
say(
  `topic ${type.topic} (${entries[0]?.partitions} partitions), broker ${endpoints.kafkaBrokers.join(",")}`,
);

const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
const producer = createProducer({
  brokers: endpoints.kafkaBrokers,
  clientId: "vobe-bench-produce-plays",
});
try {
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });

  // The same realistic plays for both sides (demo catalog "small", Zipf popularity).
  const generator = createPlayGenerator({
    seed: 1,
    ...demoListening(generateDemoCatalog({ size: "small", seed: 1 })),
  });
  // As the API receives them: parsed from the web app's JSON bodies. The generator's ids
  // are faker's, built by concatenation (36-piece ropes); JSON.parse gives flat strings,
  // which is what the layer meets in a server.
  const plays: PlayPayload[] = JSON.parse(
    JSON.stringify(Array.from({ length: events }, () => generator.next())),
  );

  const layer = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  await layer.prepare([type]);
  const pending = batches(
    plays.map(
      (payload) =>
        ({
          type,
          key: payload.trackId,
          payload,
          context: contextOf(payload),
        }) as unknown as PendingEvent<Envelope>,
    ),
  );

  // The raw side's bytes: encoded once, up front, exactly as the layer encodes them.
  const encoder = await createEncoder(registryApi(endpoints.schemaRegistryUrl), type);
  let encodeSeconds = 0;
  let raw: OutRecord[][] = [];
  encodeSeconds = await timed(async () => {
    raw = batches(
      plays.map((payload) => {
        const context = contextOf(payload);
        const env = envelope(context);
        return {
          topic: type.topic,
          key: Buffer.from(payload.trackId),
          value: encoder.encode({ ...env, ...payload }),
          headers: headersFor(type.name, env.eventId, context),
          timestamp: BigInt(env.occurredAt.getTime()),
        };
      }),
    );
  });

  const send: Record<Side, () => Promise<void>> = {
    layer: () => pipelined(pending, (batch) => layer.publishAll(batch)),
    raw: () => pipelined(raw, (batch) => producer.send(batch)),
  };

  // Warm-up, not timed: connections, metadata, the producer id, the JIT on both code
  // paths, and the broker's own (with one batch only, whichever side ran first came out
  // ~40% slower; with 40 batches each side's first timed run was still 5–20% slower than
  // its second). One whole pass of each side, as the timed runs send them.
  await send.layer();
  await send.raw();

  const order: Side[] = args.reverse
    ? ["raw", "layer", "raw", "layer"]
    : ["layer", "raw", "layer", "raw"];
  const runs: Run[] = [];
  for (const [i, side] of order.entries()) {
    const seconds = await timed(send[side]);
    runs.push({ side, order: i + 1, seconds });
    say(
      `  run ${i + 1}: ${side.padEnd(5)} ${seconds.toFixed(2)} s  ${rate(events, seconds)} events/s`,
    );
  }

  const total = (side: Side) =>
    runs.filter((r) => r.side === side).reduce((s, r) => s + r.seconds, 0);
  const layerSeconds = total("layer");
  const rawSeconds = total("raw");
  const ratio = rawSeconds / layerSeconds;
  say("");
  say("| side | run order | events | seconds | events/s |");
  say("| --- | --- | ---: | ---: | ---: |");
  for (const r of runs) {
    say(
      `| ${r.side === "layer" ? "producer layer (encode + publishAll)" : "raw platform/kafka (pre-encoded)"} | ${r.order} | ${events.toLocaleString("en-US")} | ${r.seconds.toFixed(2)} | ${rate(events, r.seconds)} |`,
    );
  }
  say(
    `| producer layer, both runs | – | ${(2 * events).toLocaleString("en-US")} | ${layerSeconds.toFixed(2)} | ${rate(2 * events, layerSeconds)} |`,
  );
  say(
    `| raw, both runs | – | ${(2 * events).toLocaleString("en-US")} | ${rawSeconds.toFixed(2)} | ${rate(2 * events, rawSeconds)} |`,
  );
  say("");
  say(
    `ratio layer/raw (events/s): ${ratio.toFixed(3)} (target ≥ 0.8) — ${ratio >= 0.8 ? "met" : "NOT met"}; order ${order.join(", ")}`,
  );
  say(
    `for scale: encoding ${events.toLocaleString("en-US")} events alone took ${encodeSeconds.toFixed(2)} s (${rate(events, encodeSeconds)} events/s)`,
  );
} finally {
  await producer.close();
  await admin.deleteTopics(entries.map((t) => t.name)).catch((e) => say(`cleanup: ${e}`));
  await admin.close();
  const registry = registryApi(endpoints.schemaRegistryUrl);
  for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const failed = await registry.deleteSubject(subject).then(
        () => false,
        (e: unknown) => e,
      );
      if (!failed) break;
      say(`cleanup of ${subject}, attempt ${attempt}: ${failed}`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  say(`cleaned up ${entries.map((t) => t.name).join(", ")} and its subject`);
}
