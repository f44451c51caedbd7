/**
 * The schema registry really stopped (`vobe stack down registry`). Producers and consumers
 * that already know their schemas keep working from their caches: the write API (it looks
 * every schema id up at start) still accepts commands, and a sink keeps decoding and
 * applying the new records. What needs the registry fails and says so: registering a new
 * schema (`vobe topics apply`'s path) names the registry and that it is unreachable, and so
 * does a producer that has not looked its schema up yet (it writes nothing). Once the
 * registry is started again it registers, and knows every schema from before (its storage
 * is a Kafka topic).
 *
 * The registry keeps its schemas in Kafka (kafkasql storage), so this test runs a private
 * broker and a private registry on it (their own home and ports): the shared ones serve
 * every other test. Postgres is the shared one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../../api/app.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
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
import { freePort, type PrivateStack, privateStack } from "../support/private-stack.ts";
import { type SinkTestRun, sinkTestRun, viewPool } from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";

describe("producers and consumers while the schema registry is stopped", () => {
  let stack: PrivateStack;
  let run: SinkTestRun;
  let endpoints: Endpoints;
  let runtime: SinkRuntime | undefined;
  let sink: Sink | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  const provided = inject("endpoints");

  beforeAll(async () => {
    const t0 = Date.now();
    stack = await privateStack({ kafka: await freePort(), registry: await freePort() });
    await stack.up("kafka");
    const kafkaUp = Date.now() - t0;
    await stack.up("registry");
    const registryUp = Date.now() - t0;
    endpoints = {
      ...provided,
      kafkaBrokers: stack.kafkaBrokers,
      schemaRegistryUrl: stack.registryUrl,
    };
    run = sinkTestRun(endpoints, "faults-registry");
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: prefixedCatalog(run.topicPrefix, catalog),
    });
    const placement = {
      schemaPrefix: run.schemaPrefix,
      topicPrefix: run.topicPrefix,
      maxWaitMs: 50,
    };
    runtime = createSinkRuntime(run.endpoints, `vobe-tests-faults-registry-${run.id}`);
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
      reads: { schemaPrefix: run.schemaPrefix, indexPrefix: run.indexPrefix },
      jwtSecret: "test-secret-for-the-faults-tests-0123456789",
      logger: process.env.VOBE_TEST_API_LOG ? { level: "error" } : false,
    });
    console.log(
      `faults-registry: private broker up in ${kafkaUp} ms, registry in ${registryUp} ms, ready in ${Date.now() - t0} ms`,
    );
  }, 300_000);

  afterAll(async () => {
    try {
      await app?.close();
      await sink?.stop();
      await runtime?.close();
      // Topics and subjects die with the private broker; the view's schemas are on the
      // shared Postgres.
      if (run) {
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

  const submit = async (message: string) => {
    const res = await (app as NonNullable<typeof app>).inject({
      method: "POST",
      url: "/api/feedback",
      payload: { category: "idea", message },
    });
    return { status: res.statusCode, body: res.json() };
  };

  it("keeps producing and consuming from the caches; registering a new schema fails and says so", async () => {
    const pool = await viewPool(run, feedbackView.database);
    const messages = async () =>
      (
        await pool.query<{ message: string }>(
          `select message from "${run.schemaPrefix}feedback".items order by message`,
        )
      ).rows.map((r) => r.message);
    try {
      expect((await submit("before-1")).status).toBe(202);
      await eventually(messages, (m) => m.length === 1, 30_000);
      expect(await messages()).toEqual(["before-1"]);

      await stack.down("registry");
      // Nothing answers at the registry's address any more.
      await expect(fetch(stack.registryUrl)).rejects.toThrow();

      // The API writes with the schema ids it looked up at start; the sink decodes with
      // the schemas it fetched for the first record.
      const during = [];
      for (let i = 1; i <= 5; i++) during.push(await submit(`during-${i}`));
      expect(during.map((d) => d.status)).toEqual([202, 202, 202, 202, 202]);
      const all = await eventually(messages, (m) => m.length === 6, 30_000);
      expect(all).toEqual(["before-1", "during-1", "during-2", "during-3", "during-4", "during-5"]);

      // A new schema cannot be registered, and the error says which registry and why.
      const schema = JSON.stringify({
        type: "record",
        name: "Brand",
        namespace: "vobemusic.faults",
        fields: [{ name: "id", type: "string" }],
      });
      const registering = registryApi(stack.registryUrl).register(
        `${run.topicPrefix}vobemusic.faults.Brand`,
        schema,
      );
      const unreachable = new RegExp(`schema registry at ${stack.registryUrl} is unreachable`);
      await expect(registering).rejects.toThrow(unreachable);

      // A producer with an empty cache (a new process) cannot encode, says why, writes nothing.
      const topic = `${run.topicPrefix}${FeedbackSubmitted.topic}`;
      const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-faults" });
      const producer = createProducer({
        brokers: endpoints.kafkaBrokers,
        clientId: "vobe-tests-cold",
      });
      try {
        const ends = await admin.endOffsets(topic);
        const cold = createEventProducer({ producer, registry: registryApi(stack.registryUrl) });
        const type = { ...FeedbackSubmitted, topic };
        const payload = {
          feedbackId: crypto.randomUUID(),
          userId: null,
          category: "idea" as const,
          message: "cold",
          page: null,
        };
        await expect(
          cold.publish(type, payload.feedbackId, payload, {
            actor: { userId: null, role: "system" },
          }),
        ).rejects.toThrow(unreachable);
        expect(await admin.endOffsets(topic)).toEqual(ends);

        // Back: a new schema registers, the old ones are still known (kept in Kafka).
        const t0 = Date.now();
        await stack.up("registry");
        console.log(`faults-registry: registry started again in ${Date.now() - t0} ms`);
        const api = registryApi(stack.registryUrl);
        expect(
          await api.register(`${run.topicPrefix}vobemusic.faults.Brand`, schema),
        ).toBeGreaterThan(0);
        expect(
          await api.lookup(subjectOf(type), JSON.stringify(FeedbackSubmitted.schema)),
        ).toBeGreaterThan(0);
        await cold.publish(type, payload.feedbackId, payload, {
          actor: { userId: null, role: "system" },
        });
        await eventually(messages, (m) => m.includes("cold"), 30_000);
        expect(await messages()).toContain("cold");
      } finally {
        await producer.close();
        await admin.close();
      }
    } finally {
      await pool.end();
    }
  }, 180_000);
});
