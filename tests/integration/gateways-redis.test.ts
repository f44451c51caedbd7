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
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import * as comment from "../../schemas/generated/comment.ts";
import { findRedisServer, redisAnswers, redisArgs } from "../../stack/services/redis.ts";
import { startTestApi, type TestApi, testJwtSecret } from "../support/api-app.ts";
import { brokers } from "../support/kafka.ts";
import { eventually } from "../support/streams.ts";

const limit = 6;

let api: TestApi;
let redis: ChildProcess | undefined;
let redisDir: string;
let redisPort: number;
const gateways: FastifyInstance[] = [];
const urls: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const binary = await findRedisServer();
  const port = await freePort();
  redisPort = port;
  redisDir = await mkdtemp(join(tmpdir(), "vobe-redis-"));
  redis = spawn(binary, redisArgs(port, redisDir), { stdio: "ignore" });
  expect(
    await eventually(
      () => redisAnswers(port),
      (ok) => ok,
      10_000,
    ),
  ).toBe(true);
  api = await startTestApi("gateways", { processors: [] });
  const keyPrefix = `test:${randomUUID()}:`;
  for (let i = 0; i < 2; i++) {
    const app = await buildApp({
      endpoints: inject("endpoints"),
      topicPrefix: api.prefix,
      jwtSecret: testJwtSecret,
      gateway: {
        rateLimit: { max: limit, authMax: 3, timeWindowMs: 60_000 },
        redisUrl: `redis://127.0.0.1:${port}`,
        redisKeyPrefix: keyPrefix,
        web: false,
      },
      logger: false,
    });
    gateways.push(app);
    urls.push(await app.listen({ port: 0, host: "127.0.0.1" }));
  }
  // Both are counting in Redis before the first request.
  for (const url of urls) {
    await eventually(
      () => health(url),
      (h) => h.rateLimits === "shared",
      10_000,
    );
  }
});

afterAll(async () => {
  for (const app of gateways) await app.close();
  redis?.kill("SIGKILL");
  await api?.stop();
  if (redisDir) await rm(redisDir, { recursive: true, force: true });
});

const health = async (url: string) =>
  (await (await fetch(`${url}/api/health`)).json()) as GatewayHealth;
const status = async (url: string) => (await fetch(`${url}/api/openapi.json`)).status;

describe("two gateway instances with Redis", () => {
  it("deliver a live update to a client of either instance", async () => {
    const postId = randomUUID();
    // First: opening a stream is a request, counted like the others.
    const streams = await Promise.all(urls.map((url) => openComments(url, postId)));
    const producer = createProducer({ brokers: brokers(), clientId: "vobe-tests-gateways" });
    try {
      const events = createEventProducer({
        producer,
        registry: registryApi(inject("endpoints").schemaRegistryUrl),
      });
      const commentId = randomUUID();
      // What the instance that accepted the command writes: the record, once, in the log.
      await events.publish(
        { ...comment.CommentAdded, topic: `${api.prefix}${comment.CommentAdded.topic}` },
        commentId,
        { commentId, postId, authorId: randomUUID(), body: "heard on both", parentCommentId: null },
        { actor: { userId: null, role: "system" } },
      );
      for (const stream of streams) {
        const data = await stream.next();
        expect(data).toContain(commentId);
      }
    } finally {
      for (const stream of streams) stream.close();
      await producer.close();
    }
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
    expect(await health(a)).toEqual({ status: "ok", rateLimits: "shared", redis: "ready" });
  });

  it("keep serving under local limits when Redis stops, and say so", async () => {
    const a = urls[0] as string;
    redis?.kill("SIGTERM");
    await eventually(
      () => health(a),
      (h) => h.status === "degraded",
      15_000,
    );
    expect(await health(a)).toMatchObject({ status: "degraded", rateLimits: "local" });
    // The shared window was used up; each instance now counts alone, and still limits.
    const answers: number[] = [];
    for (let i = 0; i < limit; i++) answers.push(await status(a));
    expect(answers).toEqual(Array(limit).fill(200));
    expect(await status(a)).toBe(429);
    expect((await health(urls[1] as string)).status).toBe("degraded");

    // Redis back (empty: nothing kept on disk): both share again, from a fresh window.
    redis = spawn(await findRedisServer(), redisArgs(redisPort, redisDir), { stdio: "ignore" });
    for (const url of urls) {
      await eventually(
        () => health(url),
        (h) => h.status === "ok",
        15_000,
      );
      expect(await health(url)).toEqual({ status: "ok", rateLimits: "shared", redis: "ready" });
    }
    expect(await status(a)).toBe(200);
  });
});

/** A comments stream of one post; `next()` gives the next event's data line. */
async function openComments(url: string, postId: string) {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/live/posts/${postId}/comments`, { signal: abort.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next(): Promise<string> {
      const deadline = AbortSignal.timeout(15_000);
      for (;;) {
        const data = /^data: (.*)$/m.exec(buffer);
        if (data) {
          buffer = buffer.slice((data.index ?? 0) + data[0].length);
          return data[1] as string;
        }
        if (deadline.aborted) throw new Error(`no live update on ${url} within 15 s`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream on ${url} ended`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    close: () => abort.abort(),
  };
}
