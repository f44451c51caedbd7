/**
 * Runs views against the platform's endpoints: one shared admin, dead-letter producer
 * and decoder, a pool per database, a sink per view. `serveSinks` keeps each view's live
 * version running and follows a swap (a rebuilt version becoming live) by itself.
 */
import { databaseUrlFor, type Endpoints } from "../platform/config/endpoints.ts";
import {
  createAdmin,
  createFetcher,
  createProducer,
  type KafkaAdmin,
  type KafkaProducer,
} from "../platform/kafka/index.ts";
import { createPool, type Pool } from "../platform/postgres/pool.ts";
import { createSchemaRegistry } from "../platform/registry/schema-registry.ts";
import {
  createSink,
  ensureVersion,
  listVersions,
  liveVersion,
  quote,
  type Sink,
  type SinkLog,
  type SinkSource,
  swapTo,
  type ViewDefinition,
} from "./engine/index.ts";
import { rebuildingVersions, versionKey } from "./engine/metrics.ts";

export interface SinkRuntime {
  readonly endpoints: Endpoints;
  readonly source: SinkSource;
  /** The pool of a view's database (created on first use, the database too if missing). */
  pool(database: string): Promise<Pool>;
  close(): Promise<void>;
}

export function createSinkRuntime(endpoints: Endpoints, clientId = "vobe-sinks"): SinkRuntime {
  const admin: KafkaAdmin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId });
  const producer: KafkaProducer = createProducer({
    brokers: endpoints.kafkaBrokers,
    clientId: `${clientId}-dlq`,
  });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const pools = new Map<string, Promise<Pool>>();
  return {
    endpoints,
    source: {
      admin,
      producer,
      fetcher: (id) => createFetcher({ brokers: endpoints.kafkaBrokers, clientId: id }),
      decode: (value) => registry.decode(value),
    },
    pool(database) {
      let pool = pools.get(database);
      if (!pool) {
        pool = (async () => {
          await ensureDatabase(endpoints, database);
          return createPool(databaseUrlFor(endpoints, database), 4);
        })();
        pool.catch(() => pools.delete(database));
        pools.set(database, pool);
      }
      return pool;
    },
    async close() {
      for (const pool of pools.values()) await (await pool.catch(() => undefined))?.end();
      await producer.close();
      await admin.close();
    },
  };
}

/** The seven service databases exist on the stack; the search view's state gets its own. */
export async function ensureDatabase(endpoints: Endpoints, database: string): Promise<void> {
  const pool = createPool(endpoints.databaseUrl, 1);
  try {
    const { rows } = await pool.query("select 1 from pg_database where datname = $1", [database]);
    if (rows.length === 0) {
      await pool.query(`create database ${quote(database)}`).catch((error: { code?: string }) => {
        if (error.code !== "42P04") throw error; // created meanwhile
      });
    }
  } finally {
    await pool.end();
  }
}

/** The stable schema of a view: `<schemaPrefix><view>`; version N is `<base>_v<N>`. */
export const baseOf = (view: ViewDefinition, placement: ViewPlacement = {}): string =>
  `${placement.schemaPrefix ?? ""}${view.name}`;

export interface ViewPlacement {
  /** Put in front of the view's name to make its stable schema (tests use their own). */
  schemaPrefix?: string;
  topicPrefix?: string;
  log?: SinkLog;
  maxWaitMs?: number;
}

/**
 * The live version of a view. A view that has none gets its first version (`minVersion`,
 * default 1), made live at once. A live version older than `minVersion` was built by an
 * earlier definition this code cannot continue: a new version is built from offset 0
 * beside it (readers keep the old one meanwhile), then swapped in.
 */
export async function activate(
  runtime: SinkRuntime,
  view: ViewDefinition,
  placement: ViewPlacement = {},
): Promise<number> {
  const pool = await runtime.pool(view.database);
  const base = baseOf(view, placement);
  const first = view.minVersion ?? 1;
  const live = await liveVersion(pool, base);
  if (live !== undefined && live >= first) return live;
  const versions = await listVersions(pool, base);
  // A build that a crash interrupted goes on from its own positions.
  const unfinished = versions.filter((v) => v.state === "building" && v.version >= first).at(-1);
  const version = unfinished?.version ?? Math.max(first, ...versions.map((v) => v.version + 1));
  if (live !== undefined) {
    placement.log?.info(
      `${view.name}: v${live} was built by an earlier definition; building v${version} from offset 0`,
    );
    await buildVersion(runtime, view, { ...placement, version, swap: true });
    return version;
  }
  await ensureVersion(pool, { base, version, migrationsDir: view.migrationsDir });
  // The search view's indices must exist before its aliases can point at them.
  const sink = sinkFor(runtime, view, pool, version, placement);
  await view.prepare?.({ schema: sink.schema, version, columns: new Map() });
  await swapTo(pool, { base, version, inside: () => view.onSwap?.(version) ?? Promise.resolve() });
  return version;
}

export function sinkFor(
  runtime: SinkRuntime,
  view: ViewDefinition,
  pool: Pool,
  version: number,
  placement: ViewPlacement = {},
): Sink {
  return createSink({
    view,
    pool,
    source: runtime.source,
    version,
    base: baseOf(view, placement),
    ...(placement.topicPrefix ? { topicPrefix: placement.topicPrefix } : {}),
    ...(placement.log ? { log: placement.log } : {}),
    ...(placement.maxWaitMs ? { maxWaitMs: placement.maxWaitMs } : {}),
  });
}

/**
 * Builds version `version` of a view from offset 0 beside the live one, until it has
 * caught up with the topics, then (with `swap`) makes it live atomically.
 */
export async function buildVersion(
  runtime: SinkRuntime,
  view: ViewDefinition,
  options: ViewPlacement & {
    version: number;
    swap: boolean;
    timeoutMs?: number;
    /** Called once the sink has loaded its positions (a resumed build starts from them). */
    started?: (sink: Sink) => void;
    /** Stops the build: the sink finishes its batch, its positions stay for a resume. */
    signal?: AbortSignal;
  },
): Promise<Sink> {
  const pool = await runtime.pool(view.database);
  const base = baseOf(view, options);
  const sink = sinkFor(runtime, view, pool, options.version, options);
  const rebuilding = versionKey(view.name, options.version);
  rebuildingVersions.add(rebuilding);
  try {
    await sink.start();
  } catch (error) {
    rebuildingVersions.delete(rebuilding);
    throw error;
  }
  options.started?.(sink);
  try {
    const caughtUp = sink.catchUp(options.timeoutMs ?? 10 * 60_000);
    if (options.signal) {
      caughtUp.catch(() => {});
      await Promise.race([caughtUp, aborted(options.signal)]);
    } else {
      await caughtUp;
    }
    if (options.swap) {
      await swapTo(pool, {
        base,
        version: options.version,
        inside: () => view.onSwap?.(options.version) ?? Promise.resolve(),
      });
    }
  } finally {
    rebuildingVersions.delete(rebuilding);
    await sink.stop();
  }
  return sink;
}

/** Rejects when the signal aborts (at once if it has). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new BuildCancelled());
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}

export class BuildCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "BuildCancelled";
  }
}

export interface ServedSinks {
  /** The sinks running now (one per view). */
  sinks(): Sink[];
  stop(): Promise<void>;
}

/**
 * Runs the live version of every view until stopped. Every `watchMs` it checks which
 * version is live; after a swap it stops the old version's sink and starts the new one.
 */
export async function serveSinks(
  runtime: SinkRuntime,
  views: readonly ViewDefinition[],
  placement: ViewPlacement & { watchMs?: number } = {},
): Promise<ServedSinks> {
  const running = new Map<string, Sink>();
  const start = async (view: ViewDefinition, version: number) => {
    const sink = sinkFor(runtime, view, await runtime.pool(view.database), version, placement);
    await sink.start();
    running.set(view.name, sink);
  };
  for (const view of views) await start(view, await activate(runtime, view, placement));

  let watching = true;
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      for (const view of views) {
        if (!watching) return;
        const current = running.get(view.name);
        try {
          const pool = await runtime.pool(view.database);
          const live = await liveVersion(pool, baseOf(view, placement));
          if (live === undefined || live === current?.version) continue;
          placement.log?.info(
            `${view.name}: v${live} is live now; switching from v${current?.version}`,
          );
          await current?.stop();
          running.delete(view.name);
          await start(view, live);
        } catch (error) {
          placement.log?.warn(`${view.name}: cannot check the live version: ${String(error)}`);
        }
      }
    });
  }, placement.watchMs ?? 5_000);

  return {
    sinks: () => [...running.values()],
    async stop() {
      watching = false;
      clearInterval(timer);
      await busy;
      await Promise.all([...running.values()].map((s) => s.stop()));
      running.clear();
    },
  };
}
