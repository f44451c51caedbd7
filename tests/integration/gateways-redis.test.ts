/**
 * Two gateway instances of one platform (docs/adr/032-scaling-out.md): one rate limit
 * counted in Redis across both, a live update reaching a client of either, and, with
 * Redis stopped, both still serving under their own limits and saying so in health.
 * The Redis is the test's own (Debian's redis-server), so stopping it disturbs nobody.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildApp } from "../../api/app.ts";
import type { GatewayHealth } from "../../api/gateway/health.ts";
import { findRedisServer, redisAnswers, redisArgs } from "../../stack/services/redis.ts";
import { bearer, startTestApi, type TestApi, testJwtSecret } from "../support/api-app.ts";
import { eventually } from "../support/streams.ts";

const limit = 8;

let api: TestApi;
let redis: ChildProcess | undefined;
let redisDir: string;
let redisPort: number;
const gateways: FastifyInstance[] = [];
const urls: string[] = [];
/** The instance that follows the live topics for both, and the one that does not. */
let relayUrl: string;
let otherUrl: string;
let token: string;
let postId: string;
const streams: CommentStream[] = [];
/** Every comment posted on the post, in order: what each stream must show, once each. */
const posted: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const startRedis = async () => {
  redis = spawn(await findRedisServer(), redisArgs(redisPort, redisDir), { stdio: "ignore" });
  expect(
    await eventually(
      () => redisAnswers(redisPort),
      (ok) => ok,
      10_000,
    ),
  ).toBe(true);
};

beforeAll(async () => {
  redisPort = await freePort();
  redisDir = await mkdtemp(join(tmpdir(), "vobe-redis-"));
  await startRedis();
  // A comment's check reads the posts that topology keeps.
  api = await startTestApi("gateways", { processors: ["content-snapshots"] });
  const keyPrefix = `test:${randomUUID()}:`;
  for (let i = 0; i < 2; i++) {
    const app = await buildApp({
      endpoints: inject("endpoints"),
      topicPrefix: api.prefix,
      jwtSecret: testJwtSecret,
      gateway: {
        rateLimit: { max: limit, authMax: 3, timeWindowMs: 60_000 },
        redisUrl: `redis://127.0.0.1:${redisPort}`,
        redisKeyPrefix: keyPrefix,
        web: false,
      },
      logger: false,
    });
    gateways.push(app);
    urls.push(await app.listen({ port: 0, host: "127.0.0.1" }));
  }
  // Both count in Redis and hear the live relay before the first request.
  for (const url of urls) {
    await eventually(
      () => health(url),
      (h) => h.rateLimits === "shared" && h.live === "shared",
      20_000,
    );
  }
  token = await api.token({ role: "listener" });
});

afterAll(async () => {
  for (const stream of streams) stream.close();
  for (const app of gateways) await app.close();
  redis?.kill("SIGKILL");
  await api?.stop();
  if (redisDir) await rm(redisDir, { recursive: true, force: true });
});

const health = async (url: string) =>
  (await (await fetch(`${url}/api/health`)).json()) as GatewayHealth;
const status = async (url: string) => (await fetch(`${url}/api/openapi.json`)).status;

/** A command through one instance's HTTP API, as a client sends it. */
async function command(url: string, path: string, body: unknown) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  // The 202 names the event's key: the new post's or comment's id.
  return ((await res.json()) as { id: string }).id;
}

/** Posts a comment through `url`; returns its id. */
async function postComment(url: string, text: string) {
  const id = await command(url, `/api/comment/posts/${postId}/comments`, { body: text });
  posted.push(id);
  return id;
}

/** Each stream shows `commentId`, and every comment before it, each exactly once. */
async function expectOnEveryStream(commentId: string) {
  for (const stream of streams) {
    await stream.until(commentId);
    const ids = stream.ids();
    expect(new Set(ids).size, `duplicates on ${stream.url}: ${ids.join(" ")}`).toBe(ids.length);
    expect([...ids].sort()).toEqual(posted.slice(0, posted.indexOf(commentId) + 1).sort());
  }
}

describe("two gateway instances with Redis", () => {
  it("relay the live topics through Redis: a comment posted through one instance reaches the streams of both, once", async () => {
    const [a, b] = await Promise.all(urls.map(health));
    // One instance reads the topics for both; the other's streams are fed from Redis.
    expect([a?.liveRelay, b?.liveRelay].filter(Boolean)).toHaveLength(1);
    relayUrl = (a?.liveRelay ? urls[0] : urls[1]) as string;
    otherUrl = (a?.liveRelay ? urls[1] : urls[0]) as string;
    expect(await health(otherUrl)).toMatchObject({ live: "shared", liveRelay: false });

    postId = await command(otherUrl, "/api/content/posts", {
      title: "Two gateways",
      body: "heard on both",
    });
    // Opening a stream is a request, counted like the others.
    for (const url of urls) streams.push(await openComments(url, postId));
    // Accepted by the instance that does not follow the topics: it reaches its own stream
    // through the relay, as it reaches the other's.
    await expectOnEveryStream(await postComment(otherUrl, "first"));
    await expectOnEveryStream(await postComment(relayUrl, "second"));
  });

  it("fall back to following Kafka on each instance when Redis stops, and back: still once each", async () => {
    // In flight while Redis goes: relayed, replayed by the fallback, or both: once.
    const inFlight = await postComment(otherUrl, "as Redis stops");
    redis?.kill("SIGTERM");
    for (const url of urls) {
      await eventually(
        () => health(url),
        (h) => h.live === "local",
        15_000,
      );
      expect(await health(url)).toMatchObject({
        status: "degraded",
        live: "local",
        liveRelay: false,
      });
    }
    await expectOnEveryStream(inFlight);
    // Without Redis each instance follows the topics itself: still reaching both.
    await expectOnEveryStream(await postComment(otherUrl, "while Redis is away"));

    await startRedis();
    for (const url of urls) {
      await eventually(
        () => health(url),
        (h) => h.status === "ok" && h.live === "shared",
        20_000,
      );
    }
    const [a, b] = await Promise.all(urls.map(health));
    expect([a?.liveRelay, b?.liveRelay].filter(Boolean)).toHaveLength(1);
    await expectOnEveryStream(await postComment(relayUrl, "Redis is back"));
    await expectOnEveryStream(await postComment(otherUrl, "and relays again"));
  });

  it("count one rate limit across both", async () => {
    const a = urls[0] as string;
    const b = urls[1] as string;
    const remaining = (res: Response) => Number(res.headers.get("x-ratelimit-remaining"));
    const first = await fetch(`${a}/api/openapi.json`);
    expect(first.status).toBe(200);
    // Alternating: every request, on either instance, takes one from the same window.
    let left = remaining(first);
    for (let i = 1; left > 0; i++) {
      const res = await fetch(`${i % 2 === 1 ? b : a}/api/openapi.json`);
      expect(res.status).toBe(200);
      expect(remaining(res)).toBe(left - 1);
      left = remaining(res);
    }
    expect(await status(a)).toBe(429);
    expect(await status(b)).toBe(429);
    expect(await health(a)).toMatchObject({ status: "ok", rateLimits: "shared", redis: "ready" });
  });

  it("keep serving under local limits when Redis stops, and say so", async () => {
    const a = urls[0] as string;
    redis?.kill("SIGTERM");
    await eventually(
      () => health(a),
      (h) => h.rateLimits === "local",
      15_000,
    );
    expect(await health(a)).toMatchObject({ status: "degraded", rateLimits: "local" });
    // The shared window was used up; each instance now counts alone, and still limits.
    const answers: number[] = [];
    for (let i = 0; i < limit; i++) answers.push(await status(a));
    expect(answers).toEqual(Array(limit).fill(200));
    expect(await status(a)).toBe(429);
    // Health is not limited: probes and the polls above spent none of the budget.
    expect((await fetch(`${a}/api/health`)).status).toBe(200);
    expect((await health(urls[1] as string)).status).toBe("degraded");

    // Redis back (empty: nothing kept on disk): both share again, from a fresh window.
    await startRedis();
    for (const url of urls) {
      await eventually(
        () => health(url),
        (h) => h.status === "ok",
        20_000,
      );
      expect(await health(url)).toMatchObject({
        status: "ok",
        rateLimits: "shared",
        redis: "ready",
        live: "shared",
      });
    }
    expect(await status(a)).toBe(200);
  });
});

interface CommentStream {
  url: string;
  /** Reads events until one carries `commentId` (at most 30 s without any progress). */
  until(commentId: string): Promise<void>;
  /** The comment ids of every event read so far, in order. */
  ids(): string[];
  close(): void;
}

/** A comments stream of one post, read event by event. */
async function openComments(url: string, postId: string): Promise<CommentStream> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/live/posts/${postId}/comments`, { signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const seen: string[] = [];
  let buffer = "";
  return {
    url,
    async until(commentId) {
      for (;;) {
        if (seen.includes(commentId)) return;
        const data = /^data: (.*)$/m.exec(buffer);
        if (data) {
          buffer = buffer.slice((data.index ?? 0) + data[0].length);
          seen.push((JSON.parse(data[1] as string) as { commentId: string }).commentId);
          continue;
        }
        // A heartbeat would come every 15 s; nothing in 30 s is a stream that stalled.
        const stalled = setTimeout(() => abort.abort(), 30_000);
        const { value, done } = await reader.read().finally(() => clearTimeout(stalled));
        if (done) throw new Error(`the stream on ${url} ended before ${commentId}`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    ids: () => [...seen],
    close: () => abort.abort(),
  };
}
