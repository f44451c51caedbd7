/**
 * Live updates over Server-Sent Events (issue 5):
 *
 *   GET /api/live/posts/:postId/comments   event: comment.added | comment.edited | comment.deleted
 *   GET /api/live/plays?tracks=<id,id,…>   event: plays { trackId, plays } | plays.removed
 *   GET /api/live/tracks/:trackId/moments  event: moment.posted | moment.deleted (ADR-028)
 *
 * Each event's `id` is the record's position (`<topic>:<partition>:<offset>`, the same form
 * as `after=` on the read routes), its `data` one JSON object. A `: heartbeat` comment every
 * 15 s keeps proxies from closing an idle stream. Every stream of the process is fed by ONE
 * follower (follower.ts) that reads the topics from their end when the first stream opens;
 * with Redis, by the platform's one relay through per-key channels instead (shared.ts,
 * passed as `follower` by api/app.ts). A disconnect removes the stream's subscription at once. At most `maxSubscribers` streams
 * are open at a time (503 `too_many_subscribers` beyond); a client that does not read is
 * dropped when `maxBufferedBytes` pile up for it.
 *
 *   await app.register(liveRoutes, { prefix: "/api/live", source: ctx.viewSource, topicPrefix });
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import { endSpan, SpanKind, startSpan } from "../../platform/telemetry/tracing.ts";
import { ApiError, unavailable } from "../http/errors.ts";
import { ErrorReply, IdList, idsOf, Uuid } from "../http/schemas.ts";
import type { ViewSource } from "../state/topic-view.ts";
import {
  createLiveFollower,
  type LiveChannel,
  type LiveFollower,
  type LiveMessage,
} from "./follower.ts";

export { createLiveFollower, type LiveFollower, type LiveMessage } from "./follower.ts";

export interface LiveRoutesOptions {
  /** The app's view source (admin, fetcher, registry decode): ctx.viewSource. */
  source?: ViewSource;
  /** Put in front of the topics (tests use a prefixed catalog). */
  topicPrefix?: string | undefined;
  /** A follower made by the caller (then not closed by the plugin); else one is made from `source`. */
  follower?: LiveFollower;
  /** Streams open at a time; default 1,000. */
  maxSubscribers?: number;
  /** Default 15,000. */
  heartbeatMs?: number;
  /** A stream whose unsent data passes this is closed (a client that stopped reading); default 1 MiB. */
  maxBufferedBytes?: number;
}

/** Tracks one stream may watch: the tracks on one screen. */
export const maxTracksPerStream = 200;

const TrackList = IdList(maxTracksPerStream, "Track ids");

/**
 * What a stream route answers: the event stream, or a refusal in the usual error shape
 * (400 bad parameters, 503 too_many_subscribers / live_unavailable). Declared so that the
 * OpenAPI document lists them; the stream itself is written by hand (no serializer).
 */
const streamResponses = {
  200: {
    description: "An event stream (text/event-stream): `event`, `id` (a position), `data` (JSON)",
    content: { "text/event-stream": { schema: Type.String() } },
  },
  400: ErrorReply,
  503: ErrorReply,
};

export const liveRoutes: FastifyPluginAsyncTypebox<LiveRoutesOptions> = async (app, options) => {
  const follower =
    options.follower ??
    createLiveFollower({
      source: options.source as ViewSource,
      ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
    });
  if (!options.follower && !options.source) throw new Error("liveRoutes: source or follower");
  const maxSubscribers = options.maxSubscribers ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const streams = new Set<FastifyReply>();
  let reserved = 0;

  // One timer for every stream of the app.
  const heartbeat = setInterval(() => {
    for (const reply of streams) write(reply, ": heartbeat\n\n");
  }, heartbeatMs);
  heartbeat.unref();

  const write = (reply: FastifyReply, text: string) => {
    const raw = reply.raw;
    if (raw.destroyed || raw.writableEnded) return;
    if (raw.writableLength > maxBuffered) {
      raw.destroy(); // 'close' unsubscribes it
      return;
    }
    raw.write(text);
  };

  // Open streams would keep the server from closing: end them first.
  app.addHook("preClose", async () => {
    clearInterval(heartbeat);
    for (const reply of streams) reply.raw.end();
  });
  app.addHook("onClose", async () => {
    if (!options.follower) await follower.close();
  });

  const open = async (
    request: FastifyRequest,
    reply: FastifyReply,
    channel: LiveChannel,
    keys: string[],
  ) => {
    if (reserved >= maxSubscribers) {
      throw new ApiError(
        503,
        "too_many_subscribers",
        `this instance serves ${maxSubscribers} live streams at most; retry later`,
      );
    }
    reserved += 1;
    let off: (() => void) | undefined;
    let closed = false;
    const release = () => {
      if (closed) return;
      closed = true;
      reserved -= 1;
      streams.delete(reply);
      off?.();
    };
    request.raw.on("close", release);
    reply.raw.on("close", release);
    try {
      off = await follower.subscribe(channel, keys, (message: LiveMessage) => {
        // The last hop of a trace: the record's message leaving for this browser.
        const span = message.traceparent
          ? startSpan(`sse ${message.event}`, {
              parent: message.traceparent,
              kind: SpanKind.PRODUCER,
              attributes: { "vobe.request.id": request.id, "vobe.live.position": message.id },
            })
          : undefined;
        write(reply, frame(message));
        endSpan(span);
      });
    } catch (error) {
      release();
      request.log.warn({ err: error }, "live follower cannot start");
      throw unavailable("live_unavailable", "live updates are not available now");
    }
    reply.hijack();
    if (closed) {
      off();
      reply.raw.destroy();
      return;
    }
    reply.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": request.id,
    });
    streams.add(reply);
    // Comments are ignored by EventSource; this one tells the client the stream is live.
    reply.raw.write(`retry: 3000\n: live ${channel} ${keys.length}\n\n`);
  };

  app.get(
    "/posts/:postId/comments",
    {
      schema: {
        tags: ["live"],
        summary:
          "Server-Sent Events: the post's comments as they are added, edited and deleted (from now on)",
        params: Type.Object({ postId: Uuid }, { additionalProperties: false }),
        response: streamResponses,
      },
    },
    async (request, reply) => {
      await open(request, reply, "comments", [request.params.postId.toLowerCase()]);
    },
  );

  app.get(
    "/tracks/:trackId/moments",
    {
      schema: {
        tags: ["live"],
        summary:
          "Server-Sent Events: the track's moments as they are posted and deleted (from now on)",
        params: Type.Object({ trackId: Uuid }, { additionalProperties: false }),
        response: streamResponses,
      },
    },
    async (request, reply) => {
      await open(request, reply, "moments", [request.params.trackId.toLowerCase()]);
    },
  );

  app.get(
    "/plays",
    {
      schema: {
        tags: ["live"],
        summary: "Server-Sent Events: play counts of the given tracks as they change (from now on)",
        querystring: Type.Object({ tracks: TrackList }, { additionalProperties: false }),
        response: streamResponses,
      },
    },
    async (request, reply) => {
      const tracks = idsOf(request.query.tracks);
      await open(request, reply, "plays", tracks);
    },
  );
};

export function frame(message: LiveMessage): string {
  return `event: ${message.event}\nid: ${message.id}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

export default liveRoutes;
