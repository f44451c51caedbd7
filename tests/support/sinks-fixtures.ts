/**
 * What the sinks' integration tests share: a prefixed copy of the catalog's topics (never
 * the real ones), a schema prefix and an index prefix of their own per run, typed events
 * through the producer layer, and a cleanup that removes all of it.
 */
import { randomUUID } from "node:crypto";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createAdmin, createProducer, type KafkaProducer } from "../../platform/kafka/index.ts";
import { createPool, type Pool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import { createEventProducer, type EventProducer } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import { dropAll, quote, type ViewDefinition } from "../../sinks/engine/index.ts";
import { baseOf, ensureDatabase } from "../../sinks/runtime.ts";
import { searchIndices } from "../../sinks/search/contract.ts";

export interface SinkTestRun {
  id: string;
  topicPrefix: string;
  schemaPrefix: string;
  indexPrefix: string;
  /** The endpoints, with an application_name on Postgres connections so a test can find them. */
  endpoints: Endpoints;
  applicationName: string;
}

export function sinkTestRun(endpoints: Endpoints, name: string): SinkTestRun {
  const id = randomUUID().replaceAll("-", "").slice(0, 8);
  const applicationName = `vobe-sinks-test-${id}`;
  const url = new URL(endpoints.databaseUrl);
  url.searchParams.set("application_name", applicationName);
  return {
    id,
    topicPrefix: `test.sinks-${name}.${id}.`,
    schemaPrefix: `t_${id}_`,
    indexPrefix: `test-sinks-${id}-`,
    endpoints: { ...endpoints, databaseUrl: url.toString() },
    applicationName,
  };
}

/** The prefixed catalog entries of the topics the views read. */
export function topicsFor(run: SinkTestRun, views: readonly ViewDefinition[]) {
  const names = new Set(views.flatMap((v) => v.events.map((e) => e.topic)));
  return prefixedCatalog(
    run.topicPrefix,
    catalog.filter((t) => names.has(t.name)),
  );
}

export async function applyTopics(run: SinkTestRun, views: readonly ViewDefinition[]) {
  await applyCatalog({
    kafkaBrokers: run.endpoints.kafkaBrokers,
    schemaRegistryUrl: run.endpoints.schemaRegistryUrl,
    catalog: topicsFor(run, views),
  });
}

/** An event type under the run's topic prefix. */
export function prefixed<T>(run: SinkTestRun, type: EventType<T>): EventType<T> {
  return { ...type, topic: `${run.topicPrefix}${type.topic}` };
}

export function testEvents(run: SinkTestRun): {
  producer: KafkaProducer;
  events: EventProducer;
} {
  const producer = createProducer({ brokers: run.endpoints.kafkaBrokers, clientId: "vobe-tests" });
  const events = createEventProducer({
    producer,
    registry: registryApi(run.endpoints.schemaRegistryUrl),
  });
  return { producer, events };
}

export const actor = { userId: null, role: "system" as const };
export const context = { actor };

/** A pool for the test's own queries (without the sinks' application_name). */
export async function viewPool(run: SinkTestRun, database: string): Promise<Pool> {
  await ensureDatabase(run.endpoints, database);
  const url = new URL(databaseUrlFor(run.endpoints, database));
  url.searchParams.delete("application_name");
  return createPool(url.toString(), 2);
}

/** Every row of a table (or SQL view), as JSON-comparable objects, in key order. */
export async function rowsOf(
  pool: Pool,
  schema: string,
  table: string,
  orderBy: string,
): Promise<Record<string, unknown>[]> {
  const { rows } = await pool.query(
    `select * from ${quote(schema)}.${quote(table)} order by ${orderBy}`,
  );
  return rows;
}

export async function cleanup(run: SinkTestRun, views: readonly ViewDefinition[]): Promise<void> {
  const entries = topicsFor(run, views);
  const admin = createAdmin({ brokers: run.endpoints.kafkaBrokers, clientId: "vobe-tests" });
  try {
    const existing = await admin.listTopics();
    await admin.deleteTopics(existing.filter((t) => t.startsWith(run.topicPrefix)));
  } finally {
    await admin.close();
  }
  const registry = registryApi(run.endpoints.schemaRegistryUrl);
  for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
    await registry.deleteSubject(subject).catch(() => {});
  }
  for (const view of views) {
    const pool = await viewPool(run, view.database);
    try {
      await dropAll(pool, baseOf(view, { schemaPrefix: run.schemaPrefix }));
    } finally {
      await pool.end();
    }
  }
  if (views.some((v) => v.name === "search")) {
    const engine = await connectSearch(run.endpoints);
    try {
      for (const name of searchIndices) {
        for (const version of [1, 2, 3]) {
          await engine.deleteIndex(`${run.indexPrefix}${name}_v${version}`);
        }
      }
    } finally {
      await engine.close();
    }
  }
}
