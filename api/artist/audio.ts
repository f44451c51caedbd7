/**
 * A track's audio: the artist uploads the bytes (POST /api/artist/tracks/:id/audio), the
 * platform checks them (container by magic bytes, size, codec and duration by ffprobe),
 * stores them in the media store under their SHA-256 and writes one TrackAudioUploaded;
 * anyone plays them (GET /api/artist/audio/:hash) with range requests, cached for ever
 * since a hash names one content (docs/adr/023-media-store.md).
 */
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import {
  declaredTypes,
  ProbeUnavailableError,
  probe,
  resolveRange,
  sniff,
  sniffBytes,
} from "../../platform/media/index.ts";
import type { MediaStore } from "../../platform/media/store.ts";
import type { ApiContext } from "../context.ts";
import { position } from "../http/accepted.ts";
import { ApiError, badRequest, notFound } from "../http/errors.ts";
import { caller, eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";
import * as schemas from "./audio-schemas.ts";
import * as commands from "./commands.ts";
import type { CatalogState } from "./state.ts";

export interface AudioLimits {
  maxBytes: number;
  minDurationMs: number;
  maxDurationMs: number;
}

export function audioLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): AudioLimits {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`${name} must be a positive integer`);
    return value;
  };
  return {
    maxBytes: number("VOBE_MEDIA_MAX_BYTES", 50 * 1024 * 1024),
    minDurationMs: number("VOBE_MEDIA_MIN_DURATION_MS", 1_000),
    maxDurationMs: number("VOBE_MEDIA_MAX_DURATION_MS", 20 * 60_000),
  };
}

/** What the body parser received: a file in the store's incoming directory, hashed. */
interface Upload {
  file: string;
  hash: string;
  size: number;
  head: Buffer;
}

const mediaTypeOf = (header: string | undefined) =>
  (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

const tooLarge = (limits: AudioLimits) =>
  new ApiError(413, "audio_too_large", `audio files are limited to ${limits.maxBytes} bytes`);

/** Streams the body to a file, hashing it, refusing it past the limit. */
async function receive(
  store: MediaStore,
  body: NodeJS.ReadableStream,
  limits: AudioLimits,
): Promise<Upload> {
  const file = join(await store.incoming(), `${randomUUID()}.part`);
  const hash = createHash("sha256");
  const head: Buffer[] = [];
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limits.maxBytes) return done(tooLarge(limits));
      hash.update(chunk);
      if (size - chunk.length < sniffBytes) head.push(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, count, createWriteStream(file));
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return {
    file,
    hash: hash.digest("hex"),
    size,
    head: Buffer.concat(head).subarray(0, sniffBytes),
  };
}

/** The first bytes of a stored object, to tell its media type. */
async function headOf(store: MediaStore, hash: string, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = await store.read(hash, { start: 0, end: Math.min(size, sniffBytes) - 1 });
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface AudioOptions {
  ctx: ApiContext;
  catalog: TopicView<CatalogState>;
  store: MediaStore;
  limits: AudioLimits;
}

const audioRoutes: FastifyPluginAsyncTypebox<AudioOptions> = async (app, options) => {
  const { ctx, catalog, store, limits } = options;
  const as = (request: FastifyRequest): commands.Caller => ({
    ctx,
    catalog,
    request,
    user: caller(request),
  });

  // The body reaches the handler as a file, never as a value a client could forge: a JSON
  // body naming a file is just a request without audio.
  const uploads = new WeakMap<FastifyRequest, Upload>();
  app.addContentTypeParser(
    Object.keys(declaredTypes),
    async (request: FastifyRequest, body: IncomingMessage) => {
      const declared = Number(request.headers["content-length"]);
      if (Number.isFinite(declared) && declared > limits.maxBytes) throw tooLarge(limits);
      uploads.set(request, await receive(store, body, limits));
      return undefined;
    },
  );

  app.post(
    "/tracks/:id/audio",
    {
      schema: schemas.uploadAudio(limits),
      onRequest: ctx.auth.require("artist"),
      // Before a byte is received: a track of another account is refused at once.
      preParsing: async (request, _reply, payload) => {
        await commands.ownTrack(as(request), (request.params as { id: string }).id);
        return payload;
      },
      // Whatever happened, the received file does not outlive the request (put moved it).
      onResponse: async (request) => {
        const upload = uploads.get(request);
        if (upload) await rm(upload.file, { force: true });
      },
    },
    async (req, reply) => {
      const upload = uploads.get(req);
      const declared = declaredTypes[mediaTypeOf(req.headers["content-type"])];
      if (!upload || !declared) {
        throw new ApiError(
          415,
          "unsupported_media_type",
          "send the audio bytes as the body, with Content-Type audio/ogg, audio/mpeg or audio/wav",
        );
      }
      const type = sniff(upload.head);
      if (type === null) {
        throw new ApiError(415, "unsupported_audio", "the bytes are not Ogg, MP3 or WAV audio");
      }
      if (type !== declared) {
        throw new ApiError(415, "audio_type_mismatch", `the bytes are ${type}, not ${declared}`);
      }
      let probed: Awaited<ReturnType<typeof probe>>;
      try {
        probed = await probe(upload.file);
      } catch (error) {
        if (error instanceof ProbeUnavailableError) {
          throw new ApiError(503, "media_probe_unavailable", error.message);
        }
        throw error;
      }
      if (!probed) throw badRequest("unreadable_audio", `the ${type} file holds no readable audio`);
      if (probed.durationMs < limits.minDurationMs || probed.durationMs > limits.maxDurationMs) {
        throw badRequest(
          "audio_duration",
          `the audio lasts ${probed.durationMs} ms; from ${limits.minDurationMs} to ${limits.maxDurationMs} ms are accepted`,
        );
      }
      const track = await commands.ownTrack(as(req), req.params.id);
      // Bytes first, then the fact: a fact never names bytes the store lacks. A failed
      // write leaves bytes nothing names, which a later upload of them reuses.
      await store.put(upload.hash, upload.file);
      const audio = {
        contentHash: upload.hash,
        codec: probed.codec,
        mimeType: type,
        durationMs: probed.durationMs,
        sizeBytes: upload.size,
      };
      const published = await ctx.events.publish(
        ctx.types.TrackAudioUploaded,
        req.params.id,
        { trackId: req.params.id, albumId: track.albumId, artistId: track.artistId, ...audio },
        eventContext(req),
      );
      return reply
        .status(202)
        .send({ ...position(published), audio: { ...audio, url: audioUrl(upload.hash) } });
    },
  );

  app.get("/audio/:hash", { schema: schemas.audio }, async (req, reply) => {
    const { hash } = req.params;
    const size = await store.size(hash);
    if (size === null || size === 0) throw notFound("audio", hash, "params.hash");
    const type = sniff(await headOf(store, hash, size)) ?? "application/octet-stream";
    const etag = `"${hash}"`;
    reply
      .header("accept-ranges", "bytes")
      .header("etag", etag)
      // A hash names one content for ever.
      .header("cache-control", "public, max-age=31536000, immutable")
      .header("content-type", type);
    if (req.headers["if-none-match"] === etag) return reply.status(304).send();
    // If-Range with another validator: the client's copy is not this one, send it whole.
    const ifRange = req.headers["if-range"];
    const answer = resolveRange(
      ifRange === undefined || ifRange === etag ? req.headers.range : undefined,
      size,
    );
    if (answer.kind === "unsatisfiable") {
      reply
        .removeHeader("cache-control")
        .header("content-range", `bytes */${size}`)
        .header("content-type", "application/json; charset=utf-8");
      throw new ApiError(416, "range_not_satisfiable", `the audio has ${size} bytes`);
    }
    if (answer.kind === "partial") {
      const { start, end } = answer.range;
      reply
        .status(206)
        .header("content-range", `bytes ${start}-${end}/${size}`)
        .header("content-length", end - start + 1);
      return reply.send(await store.read(hash, answer.range));
    }
    reply.header("content-length", size);
    return reply.send(await store.read(hash));
  });
};

/** Where the app fetches a hash's bytes (the gateway serves /api/artist). */
export const audioUrl = (hash: string) => `/api/artist/audio/${hash}`;

export default audioRoutes;
