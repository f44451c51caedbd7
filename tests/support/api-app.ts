/**
 * The write API against the real broker and registry, on a prefixed copy of the catalog:
 * tests never touch the real topics, and clean up their topics and subjects.
 *
 *   const api = await startTestApi("comment");
 *   const res = await api.app.inject({ method: "POST", url: "/api/feedback", payload: {...} });
 *   const event = await api.readEvent(res.json());
 *   await api.stop();
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { type AppOptions, buildApp } from "../../api/app.ts";
import { type AuthUser, createAuth } from "../../api/http/auth.ts";
import { checkTopologies } from "../../api/state/derived-view.ts";
import { createFetcher, type InRecord } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { startProcessors } from "../../processors/apps/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { subjectOf } from "../../schemas/event-type.ts";
import { brokers, testAdmin } from "./kafka.ts";
import { testAccounts } from "./test-accounts.ts";

export const testJwtSecret = "test-secret-for-the-write-api-0123456789";

export interface Position {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The API's checks read state the processors keep (api/state/derived-view.ts), so the
 * topologies they read run here too, in-process, under the test's prefix; `processors: []`
 * leaves them out (a test of what the API does without them).
 */
export async function startTestApi(
  name: string,
  options: {
    processors?: readonly string[];
    logger?: AppOptions["logger"];
    /** Where the read and ops routes find the views (a test's own sinks' schema prefix). */
    reads?: AppOptions["reads"];
  } = {},
) {
  const prefix = `test.api-${name}.${randomUUID().slice(0, 8)}.`;
  const entries = prefixedCatalog(prefix, catalog);
  const endpoints = inject("endpoints");
  await applyCatalog({
    kafkaBrokers: brokers(),
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  const stateDir = await mkdtemp(join(tmpdir(), `vobe-api-${name}-`));
  const only = options.processors ?? checkTopologies;
  const processors =
    only.length > 0
      ? await startProcessors({
          brokers: brokers(),
          schemaRegistryUrl: endpoints.schemaRegistryUrl,
          prefix,
          stateDir,
          only,
          instanceId: `tests-${name}`,
        })
      : undefined;
  const app = await buildApp({
    endpoints,
    topicPrefix: prefix,
    jwtSecret: testJwtSecret,
    ...(options.reads ? { reads: options.reads } : {}),
    // VOBE_TEST_API_LOG=1 shows the app's errors (a 500's cause).
    logger: options.logger ?? (process.env.VOBE_TEST_API_LOG ? { level: "error" } : false),
  });
  const auth = createAuth({ secret: testJwtSecret });
  const accounts = testAccounts(brokers(), endpoints.schemaRegistryUrl, prefix);
  const admin = testAdmin();
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const fetcher = createFetcher({ brokers: brokers(), clientId: `vobe-tests-${name}` });

  /** The record at a position, decoded. */
  const readRecord = async (at: Position): Promise<{ record: InRecord; value: unknown }> => {
    const offset = BigInt(at.offset);
    for (let attempt = 0; attempt < 50; attempt++) {
      const [part] = await fetcher.fetch([{ topic: at.topic, partition: at.partition, offset }]);
      const record = part?.records.find((r) => r.offset === offset);
      if (record) {
        return { record, value: record.value ? await registry.decode(record.value) : null };
      }
    }
    throw new Error(`no record at ${at.topic}/${at.partition}@${at.offset}`);
  };

  /** Every record of a partition in [from, end), decoded; markers are skipped. */
  const readRange = async (topic: string, partition: number, from: bigint, end: bigint) => {
    const out: Array<{ record: InRecord; value: unknown }> = [];
    let offset = from;
    for (let idle = 0; offset < end && idle < 50; ) {
      const [part] = await fetcher.fetch([{ topic, partition, offset }]);
      if (!part || part.nextOffset === offset) {
        idle++;
        continue;
      }
      for (const record of part.records) {
        if (record.offset >= end) break;
        out.push({ record, value: record.value ? await registry.decode(record.value) : null });
      }
      offset = part.nextOffset;
    }
    return out;
  };

  return {
    app,
    readRange,
    prefix,
    topics: entries.map((t) => t.name),
    topic: (name: string) => `${prefix}${name}`,
    admin,
    /** A token for any user and role (admins cannot sign up). */
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
    readRecord,
    readEvent: async (at: Position) => (await readRecord(at)).value as Record<string, unknown>,
    /**
     * End offsets of every topic the API writes (the system of record; the processors
     * write the derived ones), to prove a refused request wrote nothing.
     */
    endOffsets: async () => {
      const ends: Record<string, string[]> = {};
      for (const t of entries.filter((e) => !e.derived)) {
        ends[t.name] = (await admin.endOffsets(t.name)).map(String);
      }
      return ends;
    },
    processors,
    async stop() {
      await app.close();
      await processors?.stop();
      await rm(stateDir, { recursive: true, force: true });
      await fetcher.close();
      await accounts.close();
      // The catalog's topics and the processors' internal ones (changelogs, repartitions).
      await admin.deleteTopics((await admin.listTopics()).filter((t) => t.startsWith(prefix)));
      await admin.close();
      const api = registryApi(endpoints.schemaRegistryUrl);
      for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
        await api.deleteSubject(subject).catch(() => {});
      }
    },
  };
}

export type TestApi = Awaited<ReturnType<typeof startTestApi>>;

/** Authorization header for a token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
