/**
 * The live routes against the real broker: a prefixed copy of the topics they follow
 * (comment.comments, comment.track-moments, listening.track-play-counts), a bare Fastify app with only
 * `liveRoutes` on it listening on 127.0.0.1, typed events through the producer layer, and
 * an SSE reader over fetch.
 *
 *   const live = await startLiveApi("comments");
 *   const stream = await live.open(`/api/live/posts/${postId}/comments`);
 *   await live.events.publish(live.types.CommentAdded, commentId, payload, context);
 *   const message = await stream.next("comment.added");
 *   stream.close(); … await live.stop();
 */
import { randomUUID } from "node:crypto";
import Fastify from "fastify";
import { inject } from "vitest";
import { installErrorHandler } from "../../api/http/error-handler.ts";
import { createLiveFollower, type LiveFollower, liveRoutes } from "../../api/live/index.ts";
import type { ViewSource } from "../../api/state/topic-view.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { createEventProducer } from "../../producers/index.ts";
import { applyCatalog } from "../../schemas/apply.ts";
import { catalog, prefixedCatalog } from "../../schemas/catalog.ts";
import { type EventType, subjectOf } from "../../schemas/event-type.ts";
import * as comment from "../../schemas/generated/comment.ts";
import * as listening from "../../schemas/generated/listening.ts";

export interface SseMessage {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next message (of `event`, when given), or a timeout error. */
  next(event?: string, timeoutMs?: number): Promise<SseMessage>;
  /** Comment lines seen so far (heartbeats). */
  comments: string[];
  close(): void;
}

export async function startLiveApi(
  name: string,
  options: { maxSubscribers?: number; heartbeatMs?: number } = {},
) {
  const endpoints = inject("endpoints");
  const id = randomUUID().replaceAll("-", "").slice(0, 8);
  const topicPrefix = `test.api-live-${name}.${id}.`;
  const entries = prefixedCatalog(
    topicPrefix,
    catalog.filter(
      (t) =>
        t.name === "comment.comments" ||
        t.name === "comment.track-moments" ||
        t.name === "listening.track-play-counts",
    ),
  );
  await applyCatalog({
    kafkaBrokers: endpoints.kafkaBrokers,
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    catalog: entries,
  });
  const brokers = endpoints.kafkaBrokers;
  const admin = createAdmin({ brokers, clientId: `vobe-tests-live-${id}` });
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const source: ViewSource = {
    admin,
    fetcher: (clientId) => createFetcher({ brokers, clientId }),
    decode: (value) => registry.decode(value),
  };
  const follower: LiveFollower = createLiveFollower({ source, topicPrefix, maxWaitMs: 100 });
  const app = Fastify({ logger: false });
  installErrorHandler(app);
  await app.register(liveRoutes, {
    prefix: "/api/live",
    follower,
    ...(options.maxSubscribers ? { maxSubscribers: options.maxSubscribers } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });

  const producer = createProducer({ brokers, clientId: `vobe-tests-live-${id}` });
  const events = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const prefixed = <T>(type: EventType<T>): EventType<T> => ({
    ...type,
    topic: `${topicPrefix}${type.topic}`,
  });
  const types = {
    CommentAdded: prefixed(comment.CommentAdded),
    CommentEdited: prefixed(comment.CommentEdited),
    CommentDeleted: prefixed(comment.CommentDeleted),
    TrackMomentPosted: prefixed(comment.TrackMomentPosted),
    TrackMomentDeleted: prefixed(comment.TrackMomentDeleted),
    TrackPlayCount: prefixed(listening.TrackPlayCount),
  };
  const streams = new Set<SseStream>();

  /** Opens a stream; resolves once the answer's headers arrived (subscribed by then). */
  async function open(path: string): Promise<SseStream> {
    const abort = new AbortController();
    const res = await fetch(`${address}${path}`, { signal: abort.signal });
    const queue: SseMessage[] = [];
    const comments: string[] = [];
    const waiting = new Set<() => void>();
    let failed: unknown;
    const pump = async () => {
      if (!res.body) return;
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = new Map<string, string>();
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) comments.push(line.slice(1).trim());
              else {
                const at = line.indexOf(":");
                if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
              }
            }
            if (fields.has("data")) {
              queue.push({
                event: fields.get("event") ?? "message",
                id: fields.get("id") ?? "",
                data: JSON.parse(fields.get("data") as string),
              });
            }
            for (const wake of waiting) wake();
            end = buffer.indexOf("\n\n");
          }
        }
      } catch (error) {
        failed = error;
      }
      for (const wake of waiting) wake();
    };
    if (res.ok) void pump();
    const stream: SseStream = {
      status: res.status,
      headers: res.headers,
      comments,
      next(event, timeoutMs = 10_000) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const at = queue.findIndex((m) => !event || m.event === event);
            if (at >= 0) {
              clearTimeout(timer);
              waiting.delete(check);
              resolve(queue.splice(at, 1)[0] as SseMessage);
            } else if (failed) {
              clearTimeout(timer);
              waiting.delete(check);
              reject(failed);
            }
          };
          const timer = setTimeout(() => {
            waiting.delete(check);
            reject(new Error(`no ${event ?? "message"} within ${timeoutMs} ms on ${path}`));
          }, timeoutMs);
          waiting.add(check);
          check();
        });
      },
      close() {
        abort.abort();
        streams.delete(stream);
      },
    };
    if (res.ok) streams.add(stream);
    else await res.text();
    return stream;
  }

  return {
    app,
    address,
    follower,
    events,
    types,
    context: { actor: { userId: null, role: "system" as const } },
    open,
    async stop() {
      for (const stream of streams) stream.close();
      await app.close();
      await follower.close();
      await producer.close();
      try {
        await admin.deleteTopics(entries.map((t) => t.name));
      } finally {
        await admin.close();
      }
      const api = registryApi(endpoints.schemaRegistryUrl);
      for (const subject of entries.flatMap((t) => t.events.map(subjectOf))) {
        await api.deleteSubject(subject).catch(() => {});
      }
    },
  };
}

export type LiveApi = Awaited<ReturnType<typeof startLiveApi>>;
