import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDerivedProgress } from "../../api/read/derived-positions.ts";
import type { ReadPosition } from "../../api/read/positions.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import {
  applicationIdOf,
  createProcessorApp,
  type ProcessorApp,
} from "../../processors/apps/index.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import type {
  CommentAdded,
  PostCommentCount,
  PostDetail,
  PostPublished,
} from "../../schemas/generated/index.ts";
import { brokers, testAdmin } from "../support/kafka.ts";
import { readAll } from "../support/streams.ts";

// Read-your-writes through the processors: a raw position becomes positions of a derived
// topic that already hold the event's effect, through a chain of apps (raw → snapshots →
// counts → details: the counts and details read the entities' snapshots, docs/adr/018).
const prefix = `test.derived.${randomUUID().slice(0, 8)}.`;
// The posts here have no artist: post-details reads artist.artist-snapshots, empty.
const chain = ["content-snapshots", "post-comment-counts", "post-details"];
const used = [
  "content.posts",
  "artist.artists",
  "comment.comments",
  "content.post-snapshots",
  "comment.comment-snapshots",
  "artist.artist-snapshots",
  "comment.post-comment-counts",
  "content.post-details",
];
const entries = prefixedCatalog(
  prefix,
  catalog.filter((t) => used.includes(t.name)),
);
const typeOf = <T>(topic: string, name: string) =>
  entries
    .find((t) => t.name === `${prefix}${topic}`)
    ?.events.find((e) => e.name.endsWith(name)) as EventType<T>;
const countsTopic = `${prefix}comment.post-comment-counts`;
const detailsTopic = `${prefix}content.post-details`;
const actor = { userId: randomUUID(), role: "listener" as const };

describe("waiting on a derived topic for a raw position", () => {
  const url = inject("endpoints").schemaRegistryUrl;
  const admin = testAdmin();
  const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-derived" });
  const events = createEventProducer({ producer, registry: registryApi(url) });
  const registry = createSchemaRegistry(url);
  const stateDir = mkdtempSync(join(tmpdir(), "vobe-derived-"));
  const apps: ProcessorApp[] = [];
  const progress = createDerivedProgress({ admin: () => admin, topicPrefix: prefix });

  beforeAll(async () => {
    await applyCatalog({ kafkaBrokers: brokers(), schemaRegistryUrl: url, catalog: entries });
    for (const name of chain) {
      const app = await createProcessorApp(name, {
        brokers: brokers(),
        schemaRegistryUrl: url,
        prefix,
        stateDir,
        instanceId: "it",
      });
      await app.app.start();
      apps.push(app);
    }
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.app.stop()));
    await producer.close();
    const topics = await admin.listTopics();
    const internal = chain.map((n) => applicationIdOf(n, prefix));
    await admin.deleteTopics([
      ...entries.map((t) => t.name),
      ...topics.filter((t) => internal.some((id) => t.startsWith(id))),
    ]);
    await admin.close();
    const api = registryApi(url);
    for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
      await api.deleteSubject(subject).catch(() => {});
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  const publish = async <T>(type: EventType<T>, key: string, payload: unknown) => {
    const [at] = await events.publishAll([
      { type, key, payload, context: { actor, occurredAt: new Date() } },
    ] as unknown as PendingEvent<Envelope>[]);
    if (!at) throw new Error("nothing published");
    return { topic: at.topic, partition: at.partition, offset: BigInt(at.offset) };
  };

  /** The latest decoded value per key among the records below `positions`. */
  const latestBelow = async <V>(topic: string, positions: ReadPosition[]) => {
    const limit = new Map(positions.map((p) => [p.partition, p.offset]));
    const latest = new Map<string, V>();
    const records = (await readAll(topic)).sort((a, b) => (a.offset < b.offset ? -1 : 1));
    for (const r of records) {
      if (!r.value || r.offset > (limit.get(r.partition) ?? -1n)) continue;
      latest.set(r.key?.toString() ?? "", (await registry.decode(r.value)) as V);
    }
    return latest;
  };

  it("through the comment snapshots: a comment's position holds its post's new count", async () => {
    const postId = randomUUID();
    const first: Array<{ at: ReadPosition; positions: ReadPosition[] }> = [];
    for (let n = 1; n <= 3; n++) {
      const commentId = randomUUID();
      const at = await publish(
        typeOf<CommentAdded>("comment.comments", "CommentAdded"),
        commentId,
        {
          commentId,
          postId,
          authorId: actor.userId,
          parentCommentId: null,
          body: `comment ${n}`,
        },
      );
      const reached = await progress.through(at, countsTopic, Date.now() + 30_000);
      if ("unreached" in reached) throw new Error(`not reached: ${JSON.stringify(reached)}`);
      const counts = await latestBelow<PostCommentCount>(countsTopic, reached.positions);
      // Right away, with no polling of the derived topic: the count is already there.
      expect(counts.get(postId)?.comments).toBe(n);
      first.push({ at, positions: reached.positions });
    }
    // Asked again after later comments moved the counts' ends: the same translation, so a
    // reader that repeats its `after` does not wait for everything written since.
    const [one, , three] = first;
    if (!one || !three) throw new Error("three comments were not translated");
    const again = await progress.through(one.at, countsTopic, Date.now() + 30_000);
    expect(again).toEqual({ positions: one.positions });
    expect(one.positions).not.toEqual(three.positions);
  });

  it("three processors chained: a comment's position holds the post detail with its count", async () => {
    const postId = randomUUID();
    await publish(typeOf<PostPublished>("content.posts", "PostPublished"), postId, {
      postId,
      authorId: actor.userId,
      artistId: null,
      title: "a post",
      body: "its body",
    });
    const commentId = randomUUID();
    const at = await publish(typeOf<CommentAdded>("comment.comments", "CommentAdded"), commentId, {
      commentId,
      postId,
      authorId: actor.userId,
      parentCommentId: null,
      body: "first",
    });
    const reached = await progress.through(at, detailsTopic, Date.now() + 30_000);
    if ("unreached" in reached) throw new Error(`not reached: ${JSON.stringify(reached)}`);
    const details = await latestBelow<PostDetail>(detailsTopic, reached.positions);
    expect(details.get(postId)?.comments).toBe(1);
  });

  it("answers what is not reached at the deadline while the processor is stopped", async () => {
    // The first app on the way from the raw comment: nothing after it can move either.
    const snapshots = apps.find((a) => a.name === "content-snapshots") as ProcessorApp;
    await snapshots.app.stop();
    const postId = randomUUID();
    const commentId = randomUUID();
    const at = await publish(typeOf<CommentAdded>("comment.comments", "CommentAdded"), commentId, {
      commentId,
      postId,
      authorId: actor.userId,
      parentCommentId: null,
      body: "nobody counts this yet",
    });
    const started = Date.now();
    const reached = await progress.through(at, countsTopic, Date.now() + 500);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reached).toMatchObject({
      unreached: { topic: at.topic, partition: at.partition, offset: at.offset.toString() },
    });
    expect(progress.inputsOf([detailsTopic])).toEqual(
      new Set(
        [
          "content.post-snapshots",
          "content.posts",
          "artist.artist-snapshots",
          "artist.artists",
          "comment.post-comment-counts",
          "comment.comment-snapshots",
          "comment.comments",
        ].map((t) => `${prefix}${t}`),
      ),
    );
  });
});
