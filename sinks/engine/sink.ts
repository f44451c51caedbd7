/**
 * The sink runtime: reads every partition of a view's topics from positions it keeps in
 * Postgres (not in a consumer group) with the shared follower (platform/kafka/follower.ts),
 * and applies each fetched batch to the view version in ONE transaction together with the
 * new positions. A crash
 * before the commit leaves rows and positions as they were; after it, both moved. So a
 * restart neither loses nor applies a record twice (docs/adr/010-sinks.md).
 *
 * A poison record (undecodable, or refused by the view or by a constraint) is written to
 * the dead-letter topic `<view>-dlq` with the error and its origin in headers, before the
 * transaction that moves past it commits; the sink goes on. Any other failure (Postgres
 * restarting, Kafka unreachable) rolls back, waits with back-off, re-reads the positions
 * from Postgres and fetches again.
 */
import {
  createFollower,
  type Fetcher,
  type FollowedBatch,
  type FollowedRecord,
  type InRecord,
  type KafkaAdmin,
  type KafkaProducer,
  slotOf,
} from "../../platform/kafka/index.ts";
import type { Pool, PoolClient } from "../../platform/postgres/pool.ts";
import { startBatchSpans, tracingEnabled } from "../../platform/telemetry/tracing.ts";
import { eventHeaders } from "../../producers/index.ts";
import { positionsChannel } from "../contract.ts";
import { deadLetter, type PoisonRecord } from "./dlq.ts";
import { backoffMs, describeError, isRecordFault } from "./errors.ts";
import { runningSinks, sinkMetrics } from "./metrics.ts";
import { loadColumnTypes, quote } from "./rows.ts";
import type { BatchScope, DecodedRecord, ViewDefinition } from "./types.ts";
import { ensureVersion, versionSchema } from "./versions.ts";

export interface SinkSource {
  admin: KafkaAdmin;
  /** A fetcher of its own per sink. */
  fetcher(clientId: string): Fetcher;
  /** The producer dead letters are written with. */
  producer: KafkaProducer;
  /** Avro (Confluent wire format) to a value: the registry's decode. */
  decode(value: Buffer): Promise<unknown>;
}

export interface SinkLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface SinkOptions {
  view: ViewDefinition;
  /** A pool on the view's database. */
  pool: Pool;
  source: SinkSource;
  version: number;
  /** Put in front of every topic name (tests use a prefixed catalog). */
  topicPrefix?: string;
  /** The stable schema's name; version N lives in `<base>_v<N>`. Default: the view's name. */
  base?: string;
  /** Default `<topicPrefix><view>-dlq`. */
  dlqTopic?: string;
  log?: SinkLog;
  /** How long a fetch waits for new records. */
  maxWaitMs?: number;
}

export interface SinkStats {
  batches: number;
  applied: number;
  deadLettered: number;
  retries: number;
}

/** Whether a sink is applying records, or retrying since a failure (an outage). */
export interface SinkHealth {
  ok: boolean;
  /** While retrying: since when, how many attempts, and the last error. */
  failingSince?: string;
  attempts?: number;
  lastError?: string;
}

export interface Sink {
  readonly name: string;
  readonly schema: string;
  readonly version: number;
  readonly dlqTopic: string;
  readonly topics: readonly string[];
  /** Creates the version if needed, loads its positions and starts following the topics. */
  start(): Promise<void>;
  /** Resolves once every record committed to the topics before the call is applied. */
  catchUp(timeoutMs?: number): Promise<void>;
  /** The positions committed last (`<topic>:<partition>` → next offset). */
  positions(): Map<string, bigint>;
  stats(): SinkStats;
  health(): SinkHealth;
  /** Finishes the batch in flight, then stops. */
  stop(): Promise<void>;
}

const silent: SinkLog = { info: () => {}, warn: () => {} };

export { positionsChannel };

export function createSink(options: SinkOptions): Sink {
  const { view, pool, source } = options;
  const prefix = options.topicPrefix ?? "";
  const base = options.base ?? view.name;
  const schema = versionSchema(base, options.version);
  const dlqTopic = options.dlqTopic ?? `${prefix}${view.name}-dlq`;
  const topics = [...new Set(view.events.map((e) => `${prefix}${e.topic}`))];
  const handled = new Set(view.events.map((e) => e.name));
  const tombstoneTypes = new Map(
    view.events
      .filter((e) => view.tombstones?.includes(e.name))
      .map((e) => [`${prefix}${e.topic}`, e.name]),
  );
  const log = options.log ?? silent;
  const name = `${view.name} v${options.version}`;
  const stats: SinkStats = { batches: 0, applied: 0, deadLettered: 0, retries: 0 };
  const labels = { view: view.name, version: String(options.version) };
  let newestApplied = 0;
  let scope: BatchScope | undefined;
  let failing: { since: number; lastError: string } | undefined;
  let attempts = 0;

  // The pool guards its clients against a connection lost while checked out
  // (platform/postgres/pool.ts): the next query fails, and the follower retries.
  const connect = () => pool.connect();

  /** The positions committed with the rows: where the follower starts, and restarts. */
  const storedPositions = async () => {
    const { rows } = await pool.query<{ topic: string; partition: number; next_offset: string }>(
      `select topic, partition, next_offset from ${quote(schema)}.sink_offsets where view = $1`,
      [view.name],
    );
    return new Map(rows.map((r) => [slotOf(r.topic, r.partition), BigInt(r.next_offset)]));
  };

  const typeOf = (record: InRecord) => record.headers.get(eventHeaders.eventType)?.toString();

  /** The records the view handles, decoded; the ones it cannot take, as poison. */
  const sort = (records: FollowedRecord[]) => {
    const decoded: DecodedRecord[] = [];
    const poison: PoisonRecord[] = [];
    for (const followed of records) {
      const { record } = followed;
      const key = record.key?.toString() ?? null;
      if (record.value === null) {
        // A tombstone of a derived table the view asked for: the key's state is gone.
        const type = tombstoneTypes.get(record.topic);
        if (type !== undefined) decoded.push({ record, type, key, event: null });
        continue;
      }
      const type = typeOf(record);
      if (type === undefined) {
        poison.push({ record, kind: "decode", error: "no event-type header" });
      } else if (followed.status === "undecodable") {
        poison.push({ record, kind: "decode", error: describeError(followed.error) });
      } else if (followed.status === "decoded") {
        decoded.push({ record, type, key, event: followed.value });
      }
    }
    return { decoded, poison };
  };

  /** Applies the batch; the records the view refuses are added to `poison`. */
  const apply = async (client: PoolClient, decoded: DecodedRecord[], poison: PoisonRecord[]) => {
    const active = scope as BatchScope;
    if (decoded.length === 0) return;
    await client.query("savepoint batch");
    try {
      const batch = view.batch(active);
      const refused: PoisonRecord[] = [];
      for (const d of decoded) {
        try {
          batch.add(d);
        } catch (error) {
          if (!isRecordFault(error)) throw error;
          refused.push({ record: d.record, kind: "rejected", error: describeError(error) });
        }
      }
      await batch.flush(client);
      await client.query("release savepoint batch");
      poison.push(...refused);
      return;
    } catch (error) {
      if (!isRecordFault(error)) throw error;
      await client.query("rollback to savepoint batch");
    }
    // The database refused something in the batch: find it record by record.
    for (const d of decoded) {
      await client.query("savepoint one");
      try {
        const batch = view.batch(active);
        batch.add(d);
        await batch.flush(client);
        await client.query("release savepoint one");
      } catch (error) {
        if (!isRecordFault(error)) throw error;
        await client.query("rollback to savepoint one");
        poison.push({ record: d.record, kind: "rejected", error: describeError(error) });
      }
    }
  };

  /** One fetch: rows, positions and dead letters in one transaction. */
  const commit = async ({ records, next }: FollowedBatch) => {
    const started = performance.now();
    const { decoded, poison } = sort(records);
    // Each traced record's trace reaches the view here; the spans end with the commit.
    const spans = tracingEnabled()
      ? startBatchSpans(
          `apply ${view.name}`,
          decoded.map((d) => d.record.headers.get(eventHeaders.traceparent)),
          { "vobe.view": name },
        )
      : undefined;
    const client = await connect();
    let broken: unknown;
    try {
      // The view is derived from the log, and its rows and offsets commit together: a
      // commit the server had not flushed when it crashed is lost whole, and the sink
      // applies those records again from the offsets that survived. So the commit need
      // not wait for the WAL flush (docs/adr/010-sinks.md), which was most of its tail.
      await client.query("begin; set local synchronous_commit = off");
      // Fencing: lock our positions and check nobody moved them (another process running
      // the same version, or a commit whose answer we lost). If so, start over from them.
      const { rows: stored } = await client.query<{
        topic: string;
        partition: number;
        next_offset: string;
      }>(
        `select topic, partition, next_offset from ${quote(schema)}.sink_offsets
          where view = $1 for update`,
        [view.name],
      );
      const committed = new Map(
        stored.map((r) => [slotOf(r.topic, r.partition), BigInt(r.next_offset)]),
      );
      for (const [slot, offset] of follower.positions()) {
        if ((committed.get(slot) ?? 0n) !== offset) {
          throw new Error(`${slot} is at ${committed.get(slot) ?? 0n} in Postgres, not ${offset}`);
        }
      }
      await apply(client, decoded, poison);
      const params: unknown[] = [view.name];
      const tuples = next.map((p) => {
        params.push(p.topic, p.partition, p.offset.toString());
        const n = params.length;
        return `($1, $${n - 2}, $${n - 1}::int, $${n}::bigint, now())`;
      });
      // The notification goes out when this transaction commits: read-your-writes waiters
      // (api/read) wake then instead of polling the offsets.
      params.push(positionsChannel, base);
      await client.query(
        `with moved as (
           insert into ${quote(schema)}.sink_offsets (view, topic, partition, next_offset, updated_at)
           values ${tuples.join(", ")}
           on conflict (view, topic, partition) do update
             set next_offset = excluded.next_offset, updated_at = excluded.updated_at
           returning 1)
         select pg_notify($${params.length - 1}, $${params.length})`,
        params,
      );
      // Dead letters before the commit that moves past them: at least once in the DLQ.
      if (poison.length > 0) {
        await source.producer.send(poison.map((p) => deadLetter(p, { view: name, dlqTopic })));
        for (const p of poison) {
          log.warn(
            `${name}: ${p.record.topic}/${p.record.partition}@${p.record.offset} dead-lettered to ${dlqTopic} (${p.kind}: ${p.error})`,
          );
        }
      }
      await client.query("commit");
      spans?.end();
    } catch (error) {
      spans?.end(error);
      broken = error;
      await client.query("rollback").catch(() => {});
      throw error;
    } finally {
      // A client whose connection failed is destroyed, not returned to the pool.
      client.release(broken instanceof Error ? broken : undefined);
    }
    stats.batches += 1;
    const applied = decoded.length - poison.filter((p) => p.kind === "rejected").length;
    stats.applied += applied;
    stats.deadLettered += poison.length;
    observeCommit(decoded, poison, applied, started);
  };

  const observeCommit = (
    decoded: DecodedRecord[],
    poison: PoisonRecord[],
    applied: number,
    started: number,
  ) => {
    const now = Date.now();
    sinkMetrics.batches.inc(labels);
    sinkMetrics.commitSeconds.observe(labels, (performance.now() - started) / 1000);
    if (applied > 0) sinkMetrics.applied.inc(labels, applied);
    const latency = sinkMetrics.applyLatency.labels(labels);
    for (const d of decoded) {
      const at = Number(d.record.timestamp);
      latency.observe(Math.max(0, now - at) / 1000);
      if (at > newestApplied) newestApplied = at;
    }
    if (newestApplied > 0) sinkMetrics.newestApplied.set(labels, newestApplied / 1000);
    for (const p of poison) sinkMetrics.deadLetters.inc({ ...labels, kind: p.kind });
  };

  const follower = createFollower({
    name,
    admin: source.admin,
    fetcher: () => source.fetcher(`vobe-sink-${view.name}-v${options.version}`),
    topics,
    // Postgres knows where we are, also after a failure whose commit may have happened.
    from: storedPositions,
    decode: { value: source.decode, wanted: (record) => handled.has(typeOf(record) ?? "") },
    onBatch: commit,
    ...(options.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
    onError(error, attempt) {
      stats.retries += 1;
      sinkMetrics.retries.inc(labels);
      sinkMetrics.healthy.set(labels, 0);
      attempts = attempt + 1;
      failing = { since: failing?.since ?? Date.now(), lastError: describeError(error) };
      // Capped at 2 s: an outage's end is noticed within that, and a retry every 2 s
      // costs a down server nothing.
      const wait = backoffMs(attempt, 200, 2_000);
      log.warn(`${name}: ${describeError(error)}; retrying in ${wait} ms`);
      return wait;
    },
    onRecovered(retries) {
      const seconds = ((Date.now() - (failing?.since ?? Date.now())) / 1000).toFixed(1);
      log.info(`${name}: recovered after ${retries} retries (${seconds} s)`);
      failing = undefined;
      sinkMetrics.healthy.set(labels, 1);
    },
  });

  const sink: Sink = {
    name,
    schema,
    version: options.version,
    dlqTopic,
    topics,
    async start() {
      await ensureVersion(pool, {
        base,
        version: options.version,
        migrationsDir: view.migrationsDir,
      });
      await source.admin.createTopics([
        {
          name: dlqTopic,
          partitions: 1,
          config: { "cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1" },
        },
      ]);
      const client = await pool.connect();
      try {
        scope = {
          schema,
          version: options.version,
          columns: await loadColumnTypes(client, schema),
        };
      } finally {
        client.release();
      }
      await view.prepare?.(scope);
      await follower.open();
      follower.run();
      sinkMetrics.healthy.set(labels, 1);
      runningSinks.add(running);
      log.info(`${name}: following ${topics.join(", ")} into ${schema}`);
    },
    async catchUp(timeoutMs = 30_000) {
      if (await follower.catchUp(await follower.ends(), timeoutMs)) return;
      throw new Error(`${name} did not catch up within ${timeoutMs} ms`);
    },
    positions: () => follower.positions(),
    stats: () => ({ ...stats }),
    health: () =>
      failing
        ? {
            ok: false,
            failingSince: new Date(failing.since).toISOString(),
            attempts,
            lastError: failing.lastError,
          }
        : { ok: true },
    async stop() {
      runningSinks.delete(running);
      // A stopped version's series would look like a stuck one: they go with it.
      for (const metric of Object.values(sinkMetrics)) metric.remove(labels);
      await follower.close();
      log.info(`${name}: stopped`);
    },
  };
  const running = {
    name,
    view: view.name,
    version: options.version,
    topics,
    positions: () => follower.positions(),
  };
  return sink;
}
