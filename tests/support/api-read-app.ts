/**
 * The read API against the real stack: a prefixed copy of the whole catalog, every topology
 * (processors/topologies/) running in-process on it, since views are fed by what they
 * derive, the sinks of every view under the run's own schemas (`t_<id>_content`, …) and
 * index aliases, and the app (write and read routes) built on the same prefix.
 *
 *   const api = await startReadApi("feed");
 *   const at = (await api.app.inject({ method: "POST", … })).json();   // a command's 202
 *   await api.app.inject({ url: `/api/content/posts?after=${api.position(at)}` });
 *   await api.stop();
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { buildApp } from "../../api/app.ts";
import { type AuthUser, createAuth } from "../../api/http/auth.ts";
import { formatPosition } from "../../api/read/positions.ts";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createFetcher } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { connectSearch } from "../../platform/search/connect.ts";
import type { SearchEngine } from "../../platform/search/engine.ts";
import { type RunningProcessors, startProcessors } from "../../processors/apps/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { quote, type Sink, type ViewDefinition } from "../../sinks/engine/index.ts";
import { activate, createSinkRuntime, type SinkRuntime, sinkFor } from "../../sinks/runtime.ts";
import { searchView } from "../../sinks/search/view.ts";
import { postgresViews } from "../../sinks/views.ts";
import { cleanup, sinkTestRun } from "./sinks-fixtures.ts";
import { testAccounts } from "./test-accounts.ts";

export const readJwtSecret = "test-secret-for-the-read-api-0123456789";

/** A JSON answer; the tests check its shape with expect. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked by the assertions, not the types
export type Body = Record<string, any>;

export interface Accepted {
  /** The resource's id (the event's key; a play's play id). */
  id: string;
  /** topic:partition:offset, passed as it is to after=. */
  position: string;
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

export async function startReadApi(
  name: string,
  options: {
    searchUrl?: string;
    sinks?: boolean;
    processors?: boolean;
    /** Only these topologies and these views (a test of one slice starts in seconds). */
    only?: { topologies: readonly string[]; views: readonly string[] };
  } = {},
) {
  const provided = inject("endpoints");
  const run = sinkTestRun(provided, `api-read-${name}`);
  const entries = prefixedCatalog(run.topicPrefix, catalog);
  await applyCatalog({
    kafkaBrokers: provided.kafkaBrokers,
    schemaRegistryUrl: provided.schemaRegistryUrl,
    catalog: entries,
  });

  const stateDir = await mkdtemp(join(tmpdir(), `vobe-read-${name}-`));
  let processors: RunningProcessors | undefined;
  const startAllProcessors = async () => {
    processors = await startProcessors({
      brokers: provided.kafkaBrokers,
      schemaRegistryUrl: provided.schemaRegistryUrl,
      prefix: run.topicPrefix,
      stateDir,
      instanceId: `tests-read-${run.id}`,
      ...(options.only ? { only: options.only.topologies } : {}),
    });
  };
  if (options.processors !== false) await startAllProcessors();

  // The sinks index into the real engine; the app may be pointed at another URL.
  const engine: SearchEngine = await connectSearch(provided);
  const views: ViewDefinition[] = [
    ...postgresViews,
    searchView({ engine, indexPrefix: run.indexPrefix }),
  ];
  const placement = { schemaPrefix: run.schemaPrefix, topicPrefix: run.topicPrefix, maxWaitMs: 50 };
  const runtime: SinkRuntime = createSinkRuntime(run.endpoints, `vobe-tests-read-${run.id}`);
  const sinks = new Map<string, Sink>();
  const startSink = async (view: ViewDefinition) => {
    const version = await activate(runtime, view, placement);
    const sink = sinkFor(runtime, view, await runtime.pool(view.database), version, placement);
    await sink.start();
    sinks.set(view.name, sink);
  };
  const wanted = (view: ViewDefinition) => !options.only || options.only.views.includes(view.name);
  if (options.sinks !== false) for (const view of views.filter(wanted)) await startSink(view);

  const endpoints: Endpoints = options.searchUrl
    ? { ...provided, searchUrl: options.searchUrl }
    : provided;
  const build = (over: { endpoints?: Endpoints; schemaPrefix?: string } = {}) =>
    buildApp({
      endpoints: over.endpoints ?? endpoints,
      topicPrefix: run.topicPrefix,
      jwtSecret: readJwtSecret,
      reads: {
        schemaPrefix: over.schemaPrefix ?? run.schemaPrefix,
        indexPrefix: run.indexPrefix,
      },
      logger: process.env.VOBE_TEST_API_LOG ? { level: "error" } : false,
    });
  const app = await build();
  const auth = createAuth({ secret: readJwtSecret });
  const accounts = testAccounts(provided.kafkaBrokers, provided.schemaRegistryUrl, run.topicPrefix);
  const decoder = createSchemaRegistry(provided.schemaRegistryUrl);
  const fetcher = createFetcher({
    brokers: provided.kafkaBrokers,
    clientId: `vobe-tests-read-${run.id}`,
  });

  /** The event a command wrote (its 202 says where). */
  const readEvent = async (at: Accepted): Promise<Record<string, unknown>> => {
    const offset = BigInt(at.offset);
    for (let attempt = 0; attempt < 50; attempt++) {
      const [part] = await fetcher.fetch([{ topic: at.topic, partition: at.partition, offset }]);
      const record = part?.records.find((r) => r.offset === offset);
      if (record?.value) return (await decoder.decode(record.value)) as Record<string, unknown>;
    }
    throw new Error(`no record at ${formatPosition(at)}`);
  };

  return {
    app,
    run,
    /** A token for any user and role. */
    token: async (user: Partial<AuthUser> = {}) => {
      const issued: AuthUser = {
        userId: user.userId ?? randomUUID(),
        role: user.role ?? "listener",
        username: user.username ?? "tester",
      };
      // The API refuses tokens of accounts that do not exist: register it first.
      await accounts.register(issued);
      return (await auth.issue(issued)).token;
    },
    readEvent,
    /** GET, optionally with a token; answers status and parsed body. */
    async get(url: string, token?: string) {
      const res = await app.inject({ method: "GET", url, headers: token ? bearer(token) : {} });
      return { status: res.statusCode, body: res.json() as Body };
    },
    /** A command that must be accepted (202): its position, and its event. */
    async command(
      method: "POST" | "PATCH" | "PUT" | "DELETE",
      url: string,
      token: string | null,
      payload?: object,
    ) {
      const res = await app.inject({
        method,
        url,
        headers: token ? bearer(token) : {},
        ...(payload ? { payload } : {}),
      });
      if (res.statusCode !== 202)
        throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      const at = res.json() as Accepted;
      return { at, after: formatPosition(at), event: await readEvent(at) };
    },
    /** Another app on the same topics: another search URL, or views that do not exist. */
    otherApp: (over: { searchUrl?: string; schemaPrefix?: string }) =>
      build({
        endpoints: over.searchUrl ? { ...provided, searchUrl: over.searchUrl } : endpoints,
        ...(over.schemaPrefix ? { schemaPrefix: over.schemaPrefix } : {}),
      }),
    /** The `after` value of a command's 202. */
    position: (at: { topic: string; partition: number; offset: string }) => formatPosition(at),
    /** A query on a view's database (its stable schema: see table()). */
    sql: async (database: string, text: string) => (await runtime.pool(database)).query(text),
    table: (view: string, table: string) =>
      `${quote(`${run.schemaPrefix}${view}`)}.${quote(table)}`,
    /** Stops one view's sink (its view then falls behind the topics). */
    async pauseSink(view: string) {
      await sinks.get(view)?.stop();
      sinks.delete(view);
    },
    async resumeSink(view: string) {
      const definition = views.find((v) => v.name === view);
      if (definition && !sinks.has(view)) await startSink(definition);
    },
    /** Stops every topology: views fed by derived topics then stand still. */
    async pauseProcessors() {
      await processors?.stop();
      processors = undefined;
    },
    async resumeProcessors() {
      if (!processors) await startAllProcessors();
    },
    async stop() {
      await app.close();
      await fetcher.close();
      await accounts.close();
      await processors?.stop();
      await rm(stateDir, { recursive: true, force: true });
      for (const sink of sinks.values()) await sink.stop();
      await runtime.close();
      await cleanup(run, views);
      const registry = registryApi(provided.schemaRegistryUrl);
      for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
        await registry.deleteSubject(subject).catch(() => {});
      }
      await engine.close();
    },
  };
}

export type ReadApi = Awaited<ReturnType<typeof startReadApi>>;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
