/**
 * Kafka Connect for real (docs/adr/035-kafka-connect.md): a Connect worker started by
 * `connectUp` (what `vobe connect up` runs) copies plays and track snapshots, written through
 * the project's event producer, into an analytics database, where the analyst role reads
 * them with plain SQL. Then the worker is stopped, its sinks' positions are deleted, and it
 * starts again: every record is copied a second time, and no row is doubled.
 *
 * Isolated from the stack's own worker: prefixed topics, its own database, worker group,
 * REST port and connector names. On a stack with access control the worker logs in as the
 * `connect` principal with its own ACLs; this test only adds READ on its prefixed topics.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  AclOperations,
  AclPermissionTypes,
  Admin,
  ResourcePatternTypes,
  ResourceTypes,
} from "@platformatic/kafka";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { platformConsumers } from "../../cli/platform/consumers.ts";
import { loadConnectorDefinitions } from "../../connect/kafka-connect/definitions.ts";
import { deleteConnector } from "../../connect/kafka-connect/rest.ts";
import { connectDown, connectUp } from "../../connect/kafka-connect/worker.ts";
import { sampleLag } from "../../ops/lag/positions.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { kafkaSaslFor } from "../../platform/config/kafka-credentials.ts";
import { createAdmin, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { TrackPlayed, TrackSnapshot } from "../../schemas/generated/index.ts";
import { dropDatabase } from "../../stack/analytics-db.ts";
import { stackPaths } from "../../stack/config.ts";
import { connectPrincipal } from "../../stack/kafka-acls.ts";
import { analystRole } from "../../stack/postgres-roles.ts";
import { readStackSecrets } from "../../stack/secrets.ts";
import { testAdmin } from "../support/kafka.ts";
import { freePort } from "../support/private-stack.ts";
import { eventually } from "../support/streams.ts";

const endpoints = inject("endpoints");
const docs = resolve(import.meta.dirname, "../../docs");
const id = randomUUID().replaceAll("-", "").slice(0, 8);
const prefix = `test.connect.${id}.`;
const entries = prefixedCatalog(
  prefix,
  catalog.filter((t) => ["listening.plays", "artist.track-snapshots"].includes(t.name)),
);
const [playsTopic, snapshotsTopic] = ["listening.plays", "artist.track-snapshots"].map(
  (t) => `${prefix}${t}`,
) as [string, string];
const worker = {
  name: `connect-t${id}`,
  groupId: `analytics-t${id}-connect`,
  database: `analytics_t${id}`,
  topicPrefix: prefix,
  nameSuffix: `-t${id}`,
};
const connectorNames = loadConnectorDefinitions().map((d) => `${d.name}${worker.nameSuffix}`);

/** The ACL this test adds: the `connect` principal may read the test's prefixed topics. */
const readAcls = ["READ", "DESCRIBE"].map((op) => ({
  resourceType: ResourceTypes.TOPIC,
  resourceName: prefix,
  resourcePatternType: ResourcePatternTypes.PREFIXED,
  principal: `User:${connectPrincipal}`,
  host: "*",
  operation: AclOperations[op as "READ" | "DESCRIBE"],
  permissionType: AclPermissionTypes.ALLOW,
}));

const tracks = [randomUUID(), randomUUID(), randomUUID()] as const;
const startedAt = Date.UTC(2026, 1, 3, 10);

describe("Kafka Connect: domain topics into the analytics database", { timeout: 480_000 }, () => {
  let restPort: number;
  let url = "";
  let analyst: pg.Client;
  const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const sasl = kafkaSaslFor(endpoints.kafkaBrokers);
  const aclAdmin = sasl
    ? new Admin({
        clientId: "vobe-tests-connect-acl",
        bootstrapBrokers: endpoints.kafkaBrokers,
        sasl,
      })
    : undefined;

  const sendPlays = (from: number, count: number) =>
    events.publishAll(
      Array.from({ length: count }, (_, n) => {
        const i = from + n;
        const trackId = tracks[i % tracks.length] as string;
        return {
          type: { ...TrackPlayed, topic: playsTopic },
          key: trackId,
          payload: {
            playId: randomUUID(),
            trackId,
            userId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
            listenedMs: 1_000 + i,
            trackDurationMs: 180_000,
            completed: i % 2 === 0,
            source: i % 5 === 0 ? ("simulator" as const) : ("web" as const),
          },
          context: {
            actor: { userId: null, role: "system" as const },
            occurredAt: new Date(startedAt + i * 1_000),
          },
        };
      }),
    );

  const snapshot = (trackId: string, title: string, audio: boolean) => ({
    type: { ...TrackSnapshot, topic: snapshotsTopic },
    key: trackId,
    payload: {
      trackId,
      albumId: "00000000-0000-4000-8000-00000000a1b0",
      artistId: "00000000-0000-4000-8000-00000000a127",
      title,
      durationMs: 180_000,
      trackNumber: 1,
      genre: "jazz",
      explicit: false,
      audio: audio
        ? {
            contentHash: "ab".repeat(32),
            codec: "opus",
            mimeType: "audio/ogg",
            durationMs: 179_500,
            sizeBytes: 2_345_678,
          }
        : null,
      takedown: null,
    },
    context: { actor: { userId: null, role: "system" as const }, occurredAt: new Date(startedAt) },
  });

  const start = () =>
    connectUp({ endpoints, restPort, ...worker }).then((up) => {
      url = up.url;
      return up;
    });

  const rows = async (sql: string, params: unknown[] = []) =>
    (await analyst.query(sql, params)).rows as Array<Record<string, unknown>>;
  const count = async (table: string) =>
    Number((await rows(`select count(*)::int as n from ${table}`))[0]?.n);

  /** Until the connector's consumer group has committed the topic's end: it copied everything. */
  const caughtUp = async (connector: string, topic: string) => {
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    try {
      const ends = await admin.endOffsets(topic, "read_committed");
      await eventually(
        () => admin.committedOffsets(`connect-${connector}`),
        (committed) => ends.every((end, p) => (committed.get(`${topic}:${p}`) ?? 0n) >= end),
        90_000,
      );
    } finally {
      await admin.close();
    }
  };

  beforeAll(async () => {
    restPort = await freePort();
    await applyCatalog({
      kafkaBrokers: endpoints.kafkaBrokers,
      schemaRegistryUrl: endpoints.schemaRegistryUrl,
      catalog: entries,
    });
    await aclAdmin?.createAcls({ creations: readAcls });
    await sendPlays(0, 60);
    await events.publishAll([
      snapshot(tracks[0], "First light", false),
      snapshot(tracks[1], "Second wind", false),
      snapshot(tracks[2], "Third rail", false),
      // A later state of the first track replaces its row; the third is deleted.
      snapshot(tracks[0], "First light (remastered)", true),
    ]);
    await producer.send([
      {
        topic: snapshotsTopic,
        key: Buffer.from(tracks[2]),
        value: null,
        headers: { "event-type": TrackSnapshot.name },
      },
    ]);
    const began = Date.now();
    await start();
    console.log(
      `connect worker up, connectors running: ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    // The analysts' role, read-only, as an analyst would connect.
    const password = readStackSecrets()?.postgres[analystRole];
    const analystUrl = new URL(databaseUrlFor(endpoints, worker.database));
    analystUrl.username = analystRole;
    if (password) analystUrl.password = password;
    analyst = new pg.Client({ connectionString: analystUrl.toString() });
    await analyst.connect();
    // Generous: a fresh clone fetches the worker and its plugins from Maven Central first (~80 MB).
  }, 480_000);

  afterAll(async () => {
    await analyst?.end().catch(() => {});
    for (const name of connectorNames) await deleteConnector(url, name).catch(() => {});
    await connectDown(worker.name);
    await producer.close();
    await aclAdmin?.deleteAcls({ filters: readAcls }).catch(() => {});
    await aclAdmin?.close();
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    await admin
      .deleteTopics([
        playsTopic,
        snapshotsTopic,
        ...["configs", "offsets", "status"].map((k) => `${worker.groupId}-${k}`),
      ])
      .catch(() => {});
    for (const name of connectorNames) await admin.deleteGroup(`connect-${name}`).catch(() => {});
    await admin.close();
    await dropDatabase(endpoints.databaseUrl, worker.database).catch(() => {});
    rmSync(stackPaths.conf(worker.name), { recursive: true, force: true });
  }, 120_000);

  it("copies every play once, with its values, into a table analysts query with SQL", async () => {
    await eventually(
      () => count("plays").catch(() => -1),
      (n) => n === 60,
      90_000,
    );
    expect(await count("plays")).toBe(60);
    const [row] = await rows("select * from plays where user_id = $1", [
      "00000000-0000-4000-8000-000000000005",
    ]);
    expect(row).toMatchObject({
      track_id: tracks[5 % 3],
      listened_ms: 1_005,
      track_duration_ms: 180_000,
      completed: false,
      source: "simulator",
      actor_role: "system",
      actor_user_id: null,
    });
    expect(new Date(String(row?.occurred_at)).getTime()).toBe(startedAt + 5_000);
    const bySource = await rows(
      "select source, count(*)::int as n from plays group by source order by source",
    );
    expect(bySource).toEqual([
      { source: "simulator", n: 12 },
      { source: "web", n: 48 },
    ]);
  });

  it("shows each connector's lag beside the platform's consumers (vobe lag, the console)", async () => {
    const platform = await platformConsumers(endpoints, {
      prefix,
      connectUrl: `http://127.0.0.1:${restPort}`,
    });
    const admin = testAdmin();
    try {
      const connectors = platform.consumers.filter((c) => c.kind === "connector");
      expect(connectors.map((c) => c.name).sort()).toEqual([...connectorNames].sort());
      const plays = connectors.find((c) => c.name.startsWith("analytics-plays"));
      expect(plays).toMatchObject({ groupId: `connect-${plays?.name}`, inputs: [playsTopic] });
      // Every play copied (the test above): nothing behind on the plays topic.
      const lags = await eventually(
        () => sampleLag(admin, connectors),
        (ls) => ls.every((l) => l.behind === 0n),
        60_000,
      );
      const played = lags.find((l) => l.consumer === plays);
      expect(played?.partitions.reduce((sum, p) => sum + p.end, 0n)).toBe(60n);
    } finally {
      await admin.close();
      await platform.close();
    }
  });

  it("keeps one row per track as it is now: replaced by a later state, removed by a tombstone", async () => {
    await eventually(
      () => rows("select track_id, title from tracks order by title").catch(() => []),
      (r) => r.length === 2 && r[0]?.title === "First light (remastered)",
      90_000,
    );
    const got = await rows("select * from tracks order by title");
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      track_id: tracks[0],
      title: "First light (remastered)",
      genre: "jazz",
      audio_codec: "opus",
      audio_size_bytes: "2345678",
    });
    expect(got[1]).toMatchObject({ track_id: tracks[1], audio_codec: null });
    // The analysts' query of docs/analysts.md, run as shown.
    const query = readFileSync(join(docs, "analysts", "plays_by_track.sql"), "utf8");
    expect(readFileSync(join(docs, "analysts.md"), "utf8")).toContain(query.trim());
    const answer = await rows(query);
    expect(answer.map(({ title, source, plays }) => ({ title, source, plays }))).toEqual([
      { title: "First light (remastered)", source: "web", plays: 16 },
      { title: "Second wind", source: "web", plays: 16 },
      { title: "First light (remastered)", source: "simulator", plays: 4 },
      { title: "Second wind", source: "simulator", plays: 4 },
    ]);
  });

  it("copies everything again after a restart that lost its positions, and no row is doubled", async () => {
    await caughtUp(connectorNames[0] as string, playsTopic);
    expect(await connectDown(worker.name)).toBe(true);
    // The sinks' positions gone: the restarted worker reads both topics from the start.
    const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests" });
    try {
      // A worker killed after its grace period leaves members until their session ends.
      for (const name of connectorNames) {
        const deleted = await eventually(
          () =>
            admin.deleteGroup(`connect-${name}`).then(
              () => true,
              () => false,
            ),
          (done) => done,
          90_000,
        );
        expect(deleted, `consumer group of ${name} deleted`).toBe(true);
      }
    } finally {
      await admin.close();
    }
    await sendPlays(60, 15);
    const began = Date.now();
    const up = await start();
    console.log(`connect worker restarted: ${((Date.now() - began) / 1000).toFixed(1)} s`);
    expect(up.started).toBe(true);
    await caughtUp(connectorNames[0] as string, playsTopic);
    await caughtUp(connectorNames[1] as string, snapshotsTopic);
    expect(await count("plays")).toBe(75);
    expect(
      await rows("select count(distinct event_id)::int as n from plays").then((r) => r[0]?.n),
    ).toBe(75);
    expect(await count("tracks")).toBe(2);
  });
});
