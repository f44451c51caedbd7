/**
 * Real audio for part of the demo catalog: each chosen track gets its own short piece
 * (20–40 s, Ogg Vorbis), synthesized by ffmpeg from a recipe derived from the track's place
 * in the catalog (a chord on its own root, major or minor, pulsing at its own tempo, with a
 * bass and a high voice), so the same catalog always gets the same pieces. The pieces go
 * in through the upload path (platform/media/ingest.ts: hashed, checked, probed, stored)
 * and one TrackAudioUploaded each, as if each track's artist had uploaded them.
 *
 * Rendered files are cached by recipe under the media directory: a second load (another
 * prefix, a rebuilt platform) encodes nothing again.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { access, mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import {
  type AudioFacts,
  audioLimitsFromEnv,
  check,
  type MediaStore,
  mediaStoreFromEnv,
  receive,
} from "../../platform/media/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer } from "../../producers/index.ts";
import { TrackAudioUploaded } from "../../schemas/generated/index.ts";
import type { DemoCatalog, DemoTrack } from "./generate.ts";
import { prefixedType } from "./load.ts";

const run = promisify(execFile);

/** How many of the catalog's tracks get audio by default (its first album's, then more). */
export const demoAudioTracks = 16;

export interface DemoAudioRecipe {
  seconds: number;
  /** The chord's root (Hz). */
  root: number;
  minor: boolean;
  /** Beats per minute of the pulse. */
  bpm: number;
}

// A minor pentatonic-ish set of roots from A2 up, so neighbouring tracks sound apart.
const roots = [110, 130.81, 146.83, 164.81, 196, 220, 123.47, 174.61];

/** The recipe of the catalog's i-th audio track. */
export function demoAudioRecipe(i: number): DemoAudioRecipe {
  return {
    seconds: 20 + ((i * 7) % 21),
    root: (roots[i % roots.length] as number) * (Math.floor(i / roots.length) % 2 === 0 ? 1 : 1.5),
    minor: i % 3 === 1,
    bpm: 72 + ((i * 23) % 72),
  };
}

const pulses = ["sine", "triangle", "square", "sawdown"] as const;

/**
 * ffmpeg's filter graph of a recipe: a chord (root, third, fifth) pulsing on the beat, a
 * bass note on every other beat, a high voice at twice the tempo. Table-based `sine`
 * sources and `apulsator` are cheap (~0.3 s of CPU per 30 s piece, where per-sample
 * `aevalsrc` expressions took seconds).
 */
export function demoAudioGraph(r: DemoAudioRecipe): string {
  const third = r.minor ? 1.2 : 1.25;
  const hz = r.bpm / 60;
  const tone = (label: string, ratio: number) =>
    `sine=f=${(r.root * ratio).toFixed(3)}:r=22050:d=${r.seconds}[${label}]`;
  const fade = Math.min(2, r.seconds / 10);
  const mode = pulses[Math.round(r.root) % pulses.length];
  return [
    tone("a", 1),
    tone("b", third),
    tone("c", 1.5),
    tone("d", 0.5),
    tone("e", r.minor ? 2.4 : 3),
    `[a][b][c]amix=inputs=3,apulsator=mode=${mode}:hz=${hz.toFixed(4)}:amount=0.85[chord]`,
    `[d]apulsator=hz=${(hz / 2).toFixed(4)}:amount=1[bass]`,
    `[e]apulsator=mode=triangle:hz=${(hz * 2).toFixed(4)}:amount=1,volume=0.5[high]`,
    `[chord][bass][high]amix=inputs=3,afade=t=in:d=0.3,afade=t=out:st=${r.seconds - fade}:d=${fade}`,
  ].join(";");
}

/** Renders a recipe to Ogg Vorbis (bit-exact: the same recipe gives the same bytes). */
export async function renderDemoAudio(
  recipe: DemoAudioRecipe,
  cacheDir: string,
  ffmpeg = "ffmpeg",
): Promise<string> {
  const graph = demoAudioGraph(recipe);
  const name = createHash("sha256").update(`v2|${graph}`).digest("hex");
  const file = join(cacheDir, `${name.slice(0, 32)}.ogg`);
  try {
    await access(file);
    return file;
  } catch {
    // not rendered yet
  }
  await mkdir(cacheDir, { recursive: true });
  const partial = `${file}.part`;
  await run(
    ffmpeg,
    [
      ...["-v", "error", "-y", "-filter_complex", graph],
      ...["-c:a", "libvorbis", "-q:a", "3", "-ac", "1"],
      ...["-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"],
      ...["-f", "ogg", partial],
    ],
    { timeout: 60_000 },
  );
  await rename(partial, file);
  return file;
}

/** Which tracks get audio: the catalog's first `count` tracks (whole first albums). */
export function demoAudioChoice(catalog: DemoCatalog, count = demoAudioTracks): DemoTrack[] {
  return catalog.tracks.slice(0, count);
}

export interface DemoAudioReport {
  tracks: number;
  bytes: number;
  seconds: number;
}

export async function loadDemoAudio(options: {
  endpoints: Pick<Endpoints, "kafkaBrokers" | "schemaRegistryUrl">;
  catalog: DemoCatalog;
  topicPrefix?: string;
  count?: number;
  store?: MediaStore;
}): Promise<DemoAudioReport> {
  const began = performance.now();
  const store = options.store ?? mediaStoreFromEnv();
  const limits = audioLimitsFromEnv();
  const cacheDir = join(await store.incoming(), "..", "demo-renders");
  const ownerOf = new Map(options.catalog.artists.map((a) => [a.artistId, a.ownerUserId]));
  const type = prefixedType(TrackAudioUploaded, options.topicPrefix ?? "");
  const producer = createProducer({
    brokers: options.endpoints.kafkaBrokers,
    clientId: "vobe-demo-audio",
  });
  const events = createEventProducer({
    producer,
    registry: registryApi(options.endpoints.schemaRegistryUrl),
  });
  let bytes = 0;
  const chosen = demoAudioChoice(options.catalog, options.count);
  try {
    await events.prepare([type]);
    for (const [i, track] of chosen.entries()) {
      const file = await renderDemoAudio(demoAudioRecipe(i), cacheDir);
      // The upload path: received (hashed), checked by its bytes and ffprobe, stored.
      const received = await receive(store, createReadStream(file), limits);
      const audio: AudioFacts = await check(received, "audio/ogg", limits);
      await store.put(received.hash, received.file);
      bytes += audio.sizeBytes;
      const { trackId, albumId, artistId } = track;
      await events.publish(
        type,
        trackId,
        { trackId, albumId, artistId, ...audio },
        {
          actor: { userId: ownerOf.get(artistId) ?? null, role: "artist" },
          // Uploaded a minute after the track was created.
          occurredAt: new Date(track.createdAt.getTime() + 60_000),
        },
      );
    }
  } finally {
    await producer.close();
  }
  return { tracks: chosen.length, bytes, seconds: (performance.now() - began) / 1000 };
}
