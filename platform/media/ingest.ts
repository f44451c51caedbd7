/**
 * The one way audio enters the media store, for the upload route and the demo loader
 * alike: receive the bytes into a file while hashing them (refused past the size limit),
 * check them (the container by its magic bytes, never the client's word; codec and
 * duration by ffprobe), then put them in the store under their hash. The caller writes the
 * TrackAudioUploaded that names them.
 */
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type AudioType, type Probe, probe, sniff, sniffBytes } from "./audio.ts";
import type { MediaStore } from "./store.ts";

export interface AudioLimits {
  maxBytes: number;
  minDurationMs: number;
  maxDurationMs: number;
}

export function audioLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): AudioLimits {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`${name} must be a positive integer`);
    }
    return value;
  };
  return {
    maxBytes: number("VOBE_MEDIA_MAX_BYTES", 50 * 1024 * 1024),
    minDurationMs: number("VOBE_MEDIA_MIN_DURATION_MS", 1_000),
    maxDurationMs: number("VOBE_MEDIA_MAX_DURATION_MS", 20 * 60_000),
  };
}

/** Why audio was refused: an HTTP status and a code the API answers with as they are. */
export class AudioRefused extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AudioRefused";
  }
}

/** Bytes received into the store's incoming directory, hashed on the way. */
export interface Received {
  file: string;
  hash: string;
  size: number;
  head: Buffer;
}

/** What the checks found: the fields of TrackAudioUploaded. */
export interface AudioFacts {
  contentHash: string;
  codec: string;
  mimeType: AudioType;
  durationMs: number;
  sizeBytes: number;
}

export const tooLarge = (limits: AudioLimits) =>
  new AudioRefused(413, "audio_too_large", `audio files are limited to ${limits.maxBytes} bytes`);

/** Streams bytes to a file, hashing them, refusing them past the limit (nothing is kept). */
export async function receive(
  store: MediaStore,
  body: NodeJS.ReadableStream,
  limits: AudioLimits,
): Promise<Received> {
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
  const first = Buffer.concat(head).subarray(0, sniffBytes);
  return { file, hash: hash.digest("hex"), size, head: first };
}

/**
 * Checks received bytes against what the sender declared (undefined: nothing declared);
 * throws AudioRefused, or ProbeUnavailableError when ffprobe is missing.
 */
export async function check(
  received: Received,
  declared: AudioType | undefined,
  limits: AudioLimits,
): Promise<AudioFacts> {
  const type = sniff(received.head);
  if (type === null) {
    throw new AudioRefused(415, "unsupported_audio", "the bytes are not Ogg, MP3 or WAV audio");
  }
  if (declared !== undefined && type !== declared) {
    throw new AudioRefused(415, "audio_type_mismatch", `the bytes are ${type}, not ${declared}`);
  }
  const probed: Probe | null = await probe(received.file);
  if (!probed) {
    throw new AudioRefused(400, "unreadable_audio", `the ${type} file holds no readable audio`);
  }
  if (probed.durationMs < limits.minDurationMs || probed.durationMs > limits.maxDurationMs) {
    throw new AudioRefused(
      400,
      "audio_duration",
      `the audio lasts ${probed.durationMs} ms; from ${limits.minDurationMs} to ${limits.maxDurationMs} ms are accepted`,
    );
  }
  return {
    contentHash: received.hash,
    codec: probed.codec,
    mimeType: type,
    durationMs: probed.durationMs,
    sizeBytes: received.size,
  };
}
