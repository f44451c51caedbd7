/**
 * Kafka really stopped (`vobe stack down kafka`, a broker shutdown) and started again while
 * the write API takes commands without pause. While it is down every command answers
 * 503 `log_unavailable` within a bound, never a 202 and never a hang; once it is back the
 * same app (not rebuilt) accepts commands again; in the end every event that got a 202
 * (before, during, after) is in the topic once, at the position the 202 named, and in the
 * view once, and no command that got a 503 left anything in the topic or the view.
 *
 * The broker is a private one (its own home and ports): the shared one serves every other
 * test. The registry and Postgres are the shared ones.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp, commandDeliveryTimeoutMs } from "../../api/app.ts";
import { type AtomicWriter, createAtomicWriter, maxQueueWaitMs } from "../../api/events/atomic.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import {
  BrokerUnavailableError,
  createAdmin,
  createProducer,
  type KafkaProducer,
} from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { eventHeaders } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { FeedbackSubmitted } from "../../schemas/generated/feedback.ts";
import { dropAll, type Sink } from "../../sinks/engine/index.ts";
import { feedbackView } from "../../sinks/postgres/feedback/view.ts";
import {
  activate,
  baseOf,
  createSinkRuntime,
  type SinkRuntime,
  sinkFor,
} from "../../sinks/runtime.ts";
import { bearer } from "../support/api-app.ts";
import {
  commandStream,
  type Outcome,
  readWholeTopic,
  tally,
  transactionStream,
} from "../support/faults.ts";
import { freePort, type PrivateStack, privateStack } from "../support/private-stack.ts";
import { type SinkTestRun, sinkTestRun, viewPool } from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";
import { registeredToken } from "../support/test-accounts.ts";

const jwtSecret = "test-secret-for-the-faults-tests-0123456789";
/** How long a command may take to be refused while the broker is down. */
const refusalBoundMs = 10_000;

describe("the write API while Kafka is stopped and started again", () => {
  let stack: PrivateStack;
  let run: SinkTestRun;
  let endpoints: Endpoints;
  let runtime: SinkRuntime | undefined;
  let sink: Sink | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  // The API's transactional path (plays, sign-ups, erasures) as the API builds it: its
  // commands need the check processors, so the writer is driven here directly.
  let transactional: KafkaProducer | undefined;
  let writer: AtomicWriter | undefined;
  let txTopic = "";
  const sinkLog: string[] = [];
  const provided = inject("endpoints");

  beforeAll(async () => {
    const t0 = Date.now();
    stack = await privateStack({ kafka: await freePort() });
    await stack.up("kafka");
    const kafkaUp = Date.now() - t0;
    endpoints = { ...provided, kafkaBrokers: stack.kafkaBrokers };
    run = sinkTestRun(endpoints, "faults-kafka");
    // The whole catalog: the app looks up every event type's schema and reads its check
    // views at start. Schemas go to the shared registry (prefixed subjects), topics to the
    // private broker.
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: prefixedCatalog(run.topicPrefix, catalog),
    });
    const placement = {
      schemaPrefix: run.schemaPrefix,
      topicPrefix: run.topicPrefix,
      maxWaitMs: 50,
      log: { info: () => {}, warn: (m: string) => sinkLog.push(m) },
    };
    runtime = createSinkRuntime(run.endpoints, `vobe-tests-faults-kafka-${run.id}`);
    const version = await activate(runtime, feedbackView, placement);
    sink = sinkFor(
      runtime,
      feedbackView,
      await runtime.pool(feedbackView.database),
      version,
      placement,
    );
    await sink.start();
    app = await buildApp({
      endpoints: run.endpoints,
      topicPrefix: run.topicPrefix,
      jwtSecret,
      reads: { schemaPrefix: run.schemaPrefix, indexPrefix: run.indexPrefix },
      logger: process.env.VOBE_TEST_API_LOG ? { level: "error" } : false,
    });
    txTopic = `${run.topicPrefix}faults.transactions`;
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-faults" });
    await admin.createTopics([{ name: txTopic, partitions: 3 }]).finally(() => admin.close());
    transactional = createProducer({
      brokers: endpoints.kafkaBrokers,
      clientId: "vobe-tests-faults-tx",
      transactionalId: `vobe-tests-faults-${run.id}`,
      restartAfterRefusedSend: true,
      deliveryTimeoutMs: commandDeliveryTimeoutMs,
    });
    writer = createAtomicWriter(transactional);
    console.log(`faults-kafka: private broker up in ${kafkaUp} ms, ready in ${Date.now() - t0} ms`);
  }, 240_000);

  afterAll(async () => {
    try {
      await app?.close();
      await writer?.close().catch(() => {});
      await sink?.stop();
      await runtime?.close();
      // The topics die with the private broker; the subjects and the view's schemas are on
      // the shared registry and Postgres and must go.
      if (run) {
        const registry = registryApi(provided.schemaRegistryUrl);
        for (const entry of prefixedCatalog(run.topicPrefix, catalog)) {
          for (const type of entry.events)
            await registry.deleteSubject(subjectOf(type)).catch(() => {});
        }
        const pool = await viewPool(run, feedbackView.database);
        try {
          await dropAll(pool, baseOf(feedbackView, run));
        } finally {
          await pool.end();
        }
      }
    } finally {
      await stack?.destroy();
    }
  }, 180_000);

  it("answers 503 log_unavailable while it is down, 202 again after, and every 202 is written once", async () => {
    const user = {
      userId: "9b2f6c1e-0000-4000-8000-000000000001",
      role: "listener",
      username: "faulty",
    } as const;
    // The account is registered (through Kafka) before Kafka is stopped.
    const token = await registeredToken(
      {
        brokers: endpoints.kafkaBrokers,
        registryUrl: provided.schemaRegistryUrl,
        prefix: run.topicPrefix,
        secret: jwtSecret,
      },
      user,
    );
    const marker = (n: number) => `fault-${run.id}-${n}`;
    const api = app as NonNullable<typeof app>;
    const load = commandStream({
      workers: 3,
      send: (n) =>
        api.inject({
          method: "POST",
          url: "/api/feedback",
          headers: bearer(token),
          payload: { category: "bug", message: marker(n) },
        }),
    });
    const txMarker = (n: number) => `tx-${n}`;
    const atomic = writer as AtomicWriter;
    // More commands than one transaction at a time can serve: they queue in the writer.
    const txLoad = transactionStream({
      writer: atomic,
      topic: txTopic,
      workers: 6,
      marker: txMarker,
    });
    // A transaction with a record in it whose commit finds no broker: it must never be
    // read, and the producer must write transactions again once the broker is back.
    const probe = createProducer({
      brokers: endpoints.kafkaBrokers,
      clientId: "vobe-tests-faults-probe",
      transactionalId: `vobe-tests-faults-probe-${run.id}`,
      restartAfterRefusedSend: true,
      deliveryTimeoutMs: commandDeliveryTimeoutMs,
    });
    // Where a run that times out stood (the phases and their times are printed).
    const phase = (what: string) => console.log(`faults-kafka: ${load.now()} ms: ${what}`);
    let downAt = 0;
    let downUntil = 0;
    let upAt = 0;
    try {
      await load.until((o) => o.status === 202, 20, 30_000);
      await txLoad.until((o) => o.status === 202, 10, 30_000);
      phase("tx accepted before");
      const pending = await probe.transaction();
      await pending.send([{ topic: txTopic, key: null, value: Buffer.from("probe-pending") }]);
      await stack.down("kafka");
      phase("broker stopped");
      downAt = load.now();
      // Answers to commands sent after the broker stopped: refusals, each in bounded time.
      // Beside the command streams: its commit, then its abort, each find no broker.
      const probed = (async () => {
        const started = Date.now();
        const error = await pending.commit().then(
          () => undefined,
          (e: unknown) => e,
        );
        await pending.abort().catch(() => {});
        return { error, ms: Date.now() - started };
      })();
      await load.until((o) => o.startedAt >= downAt, 9, 60_000);
      phase("refusals seen");
      const { error: commitError, ms: probeMs } = await probed;
      phase(`probe's commit refused (${String(commitError)}), then aborted, in ${probeMs} ms`);
      expect(commitError).toBeInstanceOf(BrokerUnavailableError);
      expect(probeMs, "commit and abort, each bounded").toBeLessThanOrEqual(2 * refusalBoundMs);
      downUntil = load.now();
      await stack.up("kafka");
      phase("broker started");
      upAt = load.now();
      await load.until((o) => o.startedAt >= upAt && o.status === 202, 20, 60_000);
      phase("commands accepted again");
      await txLoad.until((o) => o.startedAt >= upAt && o.status === 202, 10, 60_000);
      phase("transactions accepted again");
      const after = await probe.transaction();
      await after.send([{ topic: txTopic, key: null, value: Buffer.from("probe-after") }]);
      await after.commit();
      phase("probe committed after");
    } finally {
      await load.stop();
      await txLoad.stop();
      await probe.close();
    }
    const outcomes = load.outcomes;
    const during = outcomes.filter((o) => o.startedAt >= downAt && o.startedAt < downUntil);
    const summary = (list: Outcome[]) =>
      [...tally(list.map((o) => `${o.status} ${o.code ?? ""}`.trim()))]
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ");
    console.log(
      `faults-kafka: ${outcomes.length} commands; down at ${downAt} ms, up at ${upAt} ms; ` +
        `all: ${summary(outcomes)}; while down: ${summary(during)}; ` +
        `slowest refusal ${Math.max(...during.map((o) => o.ms))} ms`,
    );

    expect(during.length).toBeGreaterThan(0);
    for (const o of during) {
      expect(o.status, JSON.stringify(o)).toBe(503);
      expect(o.body.error, JSON.stringify(o)).toMatchObject({
        code: "log_unavailable",
        message: expect.stringMatching(/\S/),
      });
      expect(o.ms, `refused within ${refusalBoundMs} ms`).toBeLessThanOrEqual(refusalBoundMs);
    }
    // Whatever the moment: accepted, refused as unavailable, or (a command in flight when
    // the broker went away) refused as "may have been written"; nothing else, no 500.
    for (const o of outcomes) {
      expect(
        o.status === 202 ||
          (o.status === 503 && (o.code === "log_unavailable" || o.code === "log_write_unknown")),
        JSON.stringify(o),
      ).toBe(true);
    }

    // The log: every 202 once, where it said; no refused command.
    const topic = `${run.topicPrefix}${FeedbackSubmitted.topic}`;
    const decoder = createSchemaRegistry(provided.schemaRegistryUrl);
    const written = new Map<string, { eventId: string; partition: number; offset: string }[]>();
    for (const r of await readWholeTopic(endpoints.kafkaBrokers, topic, "read_uncommitted")) {
      const event = (await decoder.decode(r.value as Buffer)) as FeedbackSubmitted;
      const at = {
        eventId: r.headers.get(eventHeaders.eventId)?.toString() ?? "",
        partition: r.partition,
        offset: r.offset.toString(),
      };
      written.set(event.message, [...(written.get(event.message) ?? []), at]);
    }
    const accepted = outcomes.filter((o) => o.status === 202);
    const refused = outcomes.filter((o) => o.code === "log_unavailable");
    const unknown = outcomes.filter((o) => o.code === "log_write_unknown");
    for (const o of accepted) {
      expect(written.get(marker(o.n)), `202 #${o.n}`).toEqual([
        { eventId: o.body.eventId, partition: o.body.partition, offset: o.body.offset },
      ]);
    }
    for (const o of refused) expect(written.get(marker(o.n)), `503 #${o.n}`).toBeUndefined();
    // "May have been written": in the log at most once (the send was never repeated under
    // another producer id after it was given up).
    const landed = unknown.filter((o) => written.has(marker(o.n)));
    for (const o of unknown) expect(written.get(marker(o.n))?.length ?? 0).toBeLessThanOrEqual(1);
    expect(written.size).toBe(accepted.length + landed.length);
    console.log(
      `faults-kafka: ${accepted.length} accepted, ${refused.length} log_unavailable, ` +
        `${unknown.length} log_write_unknown (${landed.length} of them in the log)`,
    );

    // The transactional path: every committed transaction once, no refused one, the
    // probe's pending record never (read_committed, as every view reads).
    const txWritten = tally(
      (await readWholeTopic(endpoints.kafkaBrokers, txTopic)).map((r) => r.value?.toString()),
    );
    const txOutcomes = txLoad.outcomes;
    const txDuring = txOutcomes.filter((o) => o.startedAt >= downAt && o.startedAt < downUntil);
    console.log(
      `faults-kafka: transactions: ${txOutcomes.length}; all: ${summary(txOutcomes)}; ` +
        `while down: ${summary(txDuring)}; slowest refusal ${Math.max(...txDuring.map((o) => o.ms))} ms`,
    );
    for (const o of txOutcomes) {
      expect(
        o.status === 202 ||
          (o.status === 503 && (o.code === "log_unavailable" || o.code === "log_write_unknown")),
        JSON.stringify(o),
      ).toBe(true);
      if (o.status === 202) expect(txWritten.get(txMarker(o.n)), `tx #${o.n}`).toBe(1);
      if (o.code === "log_unavailable")
        expect(txWritten.has(txMarker(o.n)), `tx #${o.n}`).toBe(false);
      if (o.code === "log_write_unknown")
        expect(txWritten.get(txMarker(o.n)) ?? 0).toBeLessThanOrEqual(1);
    }
    // The one in front fails within 10 s (its call and its abort, 5 s each), a waiting one
    // gives up at its next 5 s check, or runs its own failing transaction (10 s). Without
    // the bounded wait the sixth in line answered after 30 s.
    const txBoundMs = 20_000;
    expect(maxQueueWaitMs + 3 * commandDeliveryTimeoutMs).toBeLessThanOrEqual(txBoundMs);
    for (const o of txDuring) expect(o.ms, JSON.stringify(o)).toBeLessThanOrEqual(txBoundMs);
    expect(txWritten.has("probe-pending")).toBe(false);
    expect(txWritten.get("probe-after")).toBe(1);

    // The view: the sink rode out the outage by itself and has each accepted command once.
    const pool = await viewPool(run, feedbackView.database);
    try {
      const rows = await eventually(
        async () =>
          (
            await pool.query<{ message: string; n: number }>(
              `select message, count(*)::int as n from "${run.schemaPrefix}feedback".items group by message`,
            )
          ).rows,
        (r) => r.length >= written.size,
        60_000,
      );
      expect(new Map(rows.map((r) => [r.message, r.n]))).toEqual(
        new Map([...accepted, ...landed].map((o) => [marker(o.n), 1])),
      );
    } finally {
      await pool.end();
    }
  }, 240_000);
});
