/**
 * Loads the demo catalog into the event log through the producer layer, in dependency
 * order (claims → users → credentials → artists → albums → tracks → posts → comments →
 * feedback), in batches. Every batch is acknowledged (acks=all) before the next is sent,
 * so a consumer never sees an album before its artist or a comment before its post.
 */

import type { Endpoints } from "../../platform/config/endpoints.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createAdmin, createProducer } from "../../platform/kafka/index.ts";
import { createKeyStore } from "../../platform/pii/key-store.ts";
import { sealEvents } from "../../platform/pii/seal-events.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import type { EventType } from "../../schemas/event-type.ts";
import {
  type DemoCatalog,
  type DemoSize,
  type DemoSizing,
  demoEventCount,
  demoTopicCounts,
  generateDemoCatalog,
} from "./generate.ts";

export type DemoEndpoints = Pick<Endpoints, "kafkaBrokers" | "schemaRegistryUrl">;

/** The topics whose records mean "the platform has data": accounts and the catalog. */
export const emptinessTopics = ["auth.users", "artist.tracks"] as const;

export interface DemoProgress {
  phase: string;
  /** Events of this phase written so far, and in all. */
  done: number;
  total: number;
  /** Events of every phase written so far, and in all. */
  written: number;
  totalEvents: number;
  /** Since the load began. */
  eventsPerSecond: number;
  /** True on the phase's last report. */
  phaseDone: boolean;
}

export interface LoadOptions {
  /** Postgres too: the users' data keys are made in the auth database (docs/adr/019). */
  endpoints: DemoEndpoints & Pick<Endpoints, "databaseUrl">;
  size?: DemoSize | DemoSizing;
  seed?: number;
  /** Write to `<prefix><topic>` (tests, benches): the prefixed catalog must be applied. */
  topicPrefix?: string;
  /** Load even when the platform already has users or tracks. */
  force?: boolean;
  batchSize?: number;
  onProgress?: (progress: DemoProgress) => void;
}

export interface LoadReport {
  catalog: DemoCatalog;
  /** Events written per (unprefixed) topic. */
  counts: Record<string, number>;
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/** The platform already has accounts or tracks; loading would mix demo data into it. */
export class DemoNotEmptyError extends Error {
  constructor(readonly nonEmpty: string[]) {
    super(
      `not loading demo data: ${nonEmpty.join(" and ")} already ${nonEmpty.length > 1 ? "have" : "has"} records (use --force to load anyway)`,
    );
    this.name = "DemoNotEmptyError";
  }
}

/**
 * True when auth.users and artist.tracks hold no record at all (every partition's end
 * offset is 0) or do not exist yet. Returns the non-empty topics' names otherwise.
 */
export async function nonEmptyTopics(options: {
  endpoints: DemoEndpoints;
  topicPrefix?: string;
}): Promise<string[]> {
  const prefix = options.topicPrefix ?? "";
  const admin = createAdmin({ brokers: options.endpoints.kafkaBrokers, clientId: "vobe-demo" });
  try {
    const existing = new Set(await admin.listTopics());
    const nonEmpty: string[] = [];
    for (const topic of emptinessTopics.map((t) => `${prefix}${t}`)) {
      if (!existing.has(topic)) continue;
      const ends = await admin.endOffsets(topic);
      if (ends.some((offset) => offset > 0n)) nonEmpty.push(topic);
    }
    return nonEmpty;
  } finally {
    await admin.close();
  }
}

export async function isPlatformEmpty(options: {
  endpoints: DemoEndpoints;
  topicPrefix?: string;
}): Promise<boolean> {
  return (await nonEmptyTopics(options)).length === 0;
}

/** The event type under a topic prefix (its subject follows: `<prefix><topic>-<name>`). */
export function prefixedType<T>(type: EventType<T>, prefix: string): EventType<T> {
  return prefix ? { ...type, topic: `${prefix}${type.topic}` } : type;
}

export async function loadDemoCatalog(options: LoadOptions): Promise<LoadReport> {
  const prefix = options.topicPrefix ?? "";
  if (!options.force) {
    const nonEmpty = await nonEmptyTopics(options);
    if (nonEmpty.length > 0) throw new DemoNotEmptyError(nonEmpty);
  }
  const catalog = generateDemoCatalog({
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.size === undefined ? {} : { size: options.size }),
  });
  const batchSize = options.batchSize ?? 500;
  const totalEvents = demoEventCount(catalog);

  const producer = createProducer({
    brokers: options.endpoints.kafkaBrokers,
    clientId: "vobe-demo-loader",
  });
  const events = createEventProducer({
    producer,
    registry: registryApi(options.endpoints.schemaRegistryUrl),
  });
  // Accounts are written as the API writes them: personal fields sealed with each user's key.
  const keys = createKeyStore(createPool(databaseUrlFor(options.endpoints, "auth"), 2));
  const types = new Map<string, EventType<unknown>>();
  const typed = (e: PendingEvent<Envelope>): PendingEvent<Envelope> => {
    if (!prefix) return e;
    let type = types.get(e.type.name);
    if (!type) {
      type = prefixedType(e.type as EventType<unknown>, prefix);
      types.set(e.type.name, type);
    }
    return { ...e, type: type as EventType<Envelope> };
  };

  const began = performance.now();
  const rate = (written: number) => written / Math.max((performance.now() - began) / 1000, 1e-3);
  let written = 0;
  try {
    // Fails now, naming the subject, when `vobe topics apply` has not run.
    await events.prepare(
      [...new Set(catalog.phases.flatMap((p) => p.events.map((e) => e.type)))].map((t) =>
        prefixedType(t as EventType<unknown>, prefix),
      ),
    );
    for (const phase of catalog.phases) {
      const total = phase.events.length;
      for (let i = 0; i < total; i += batchSize) {
        const batch = await sealEvents(keys, phase.events.slice(i, i + batchSize).map(typed));
        await events.publishAll(batch);
        written += batch.length;
        const done = Math.min(i + batchSize, total);
        options.onProgress?.({
          phase: phase.name,
          done,
          total,
          written,
          totalEvents,
          eventsPerSecond: rate(written),
          phaseDone: done === total,
        });
      }
    }
  } finally {
    await producer.close();
    await keys.close();
  }
  const seconds = (performance.now() - began) / 1000;
  return {
    catalog,
    counts: demoTopicCounts(catalog),
    events: written,
    seconds,
    eventsPerSecond: written / Math.max(seconds, 1e-3),
  };
}
