/**
 * A track's audio: the artist uploads the bytes (POST /api/artist/tracks/:id/audio), the
 * platform checks them and stores them in the media store under their SHA-256
 * (platform/media/ingest.ts, the demo loader's path too) and writes one TrackAudioUploaded;
 * anyone plays them (GET /api/artist/audio/:hash) with range requests, cached for ever
 * since a hash names one content (docs/adr/023-media-store.md).
 */
import { rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import {
  type AudioLimits,
  AudioRefused,
  check,
  declaredTypes,
  ProbeUnavailableError,
  type Received,
  receive,
  resolveRange,
  sniff,
  sniffBytes,
  tooLarge,
} from "../../platform/media/index.ts";
import type { MediaStore } from "../../platform/media/store.ts";
import type { ApiContext } from "../context.ts";
import { position } from "../http/accepted.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { caller, eventContext } from "../http/request-context.ts";
import type { TopicView } from "../state/topic-view.ts";
import * as schemas from "./audio-schemas.ts";
import * as commands from "./commands.ts";
import type { CatalogState } from "./state.ts";

const mediaTypeOf = (header: string | undefined) =>
  (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";

const asApiError = (error: unknown) => {
  if (error instanceof AudioRefused) return new ApiError(error.status, error.code, error.message);
  if (error instanceof ProbeUnavailableError) {
    return new ApiError(503, "media_probe_unavailable", error.message);
  }
  return error;
};

/** The first bytes of a stored object, to tell its media type. */
async function headOf(store: MediaStore, hash: string, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = await store.read(hash, { start: 0, end: Math.min(size, sniffBytes) - 1 });
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Where the app fetches a hash's bytes (the gateway serves /api/artist). */
export const audioUrl = (hash: string) => `/api/artist/audio/${hash}`;

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
  const uploads = new WeakMap<FastifyRequest, Received>();
  app.addContentTypeParser(
    Object.keys(declaredTypes),
    async (request: FastifyRequest, body: IncomingMessage) => {
      const declared = Number(request.headers["content-length"]);
      try {
        if (Number.isFinite(declared) && declared > limits.maxBytes) throw tooLarge(limits);
        uploads.set(request, await receive(store, body, limits));
      } catch (error) {
        throw asApiError(error);
      }
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
      const audio = await check(upload, declared, limits).catch((error) => {
        throw asApiError(error);
      });
      const track = await commands.ownTrack(as(req), req.params.id);
      // Bytes first, then the fact: a fact never names bytes the store lacks. A failed
      // write leaves bytes nothing names, which a later upload of them reuses.
      await store.put(upload.hash, upload.file);
      const published = await ctx.events.publish(
        ctx.types.TrackAudioUploaded,
        req.params.id,
        { trackId: req.params.id, albumId: track.albumId, artistId: track.artistId, ...audio },
        eventContext(req),
      );
      return reply
        .status(202)
        .send({ ...position(published), audio: { ...audio, url: audioUrl(audio.contentHash) } });
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

export default audioRoutes;
