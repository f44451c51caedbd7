/**
 * What an uploaded file is, decided from its bytes and never from the client's
 * Content-Type: the container by its magic bytes, the codec and duration by ffprobe
 * (Debian's ffmpeg, installed by the project's set-up like Java and Postgres).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The containers the platform accepts, and the media type each is served with. */
export const audioTypes = ["audio/ogg", "audio/mpeg", "audio/wav"] as const;
export type AudioType = (typeof audioTypes)[number];

/** Content-Types a client may send each container with (browsers differ for WAV and MP3). */
export const declaredTypes: Readonly<Record<string, AudioType>> = {
  "audio/ogg": "audio/ogg",
  "audio/opus": "audio/ogg",
  "audio/mpeg": "audio/mpeg",
  "audio/mp3": "audio/mpeg",
  "audio/wav": "audio/wav",
  "audio/wave": "audio/wav",
  "audio/x-wav": "audio/wav",
};

/** How many leading bytes `sniff` needs. */
export const sniffBytes = 12;

/** The container of a file from its first bytes, or null when it is none the platform takes. */
export function sniff(head: Uint8Array): AudioType | null {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 4 && ascii(0, 4) === "OggS") return "audio/ogg";
  if (head.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") return "audio/wav";
  // MP3: an ID3v2 tag, or straight into an MPEG audio frame (11 sync bits, layer III/II/I).
  if (head.length >= 3 && ascii(0, 3) === "ID3") return "audio/mpeg";
  if (head.length >= 2 && head[0] === 0xff && ((head[1] as number) & 0xe0) === 0xe0) {
    const layer = ((head[1] as number) >> 1) & 0x3;
    if (layer !== 0) return "audio/mpeg";
  }
  return null;
}

export interface Probe {
  /** The first audio stream's codec (ffprobe's codec_name: vorbis, opus, mp3, pcm_s16le…). */
  codec: string;
  durationMs: number;
}

/** ffprobe is missing: the platform cannot check uploads (503, not a client error). */
export class ProbeUnavailableError extends Error {
  override name = "ProbeUnavailableError";
}

/** Codec and duration of a file, or null when ffprobe cannot read it as audio. */
export async function probe(file: string, ffprobe = "ffprobe"): Promise<Probe | null> {
  let stdout: string;
  try {
    ({ stdout } = await run(
      ffprobe,
      [
        "-v",
        "error",
        "-show_entries",
        "format=duration:stream=codec_type,codec_name",
        "-of",
        "json",
        file,
      ],
      { timeout: 15_000, maxBuffer: 1 << 20 },
    ));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ProbeUnavailableError("ffprobe is not installed (apt-get install ffmpeg)");
    }
    return null;
  }
  const info = JSON.parse(stdout) as {
    streams?: Array<{ codec_type?: string; codec_name?: string }>;
    format?: { duration?: string };
  };
  const audio = info.streams?.find((s) => s.codec_type === "audio");
  const seconds = Number(info.format?.duration);
  if (!audio?.codec_name || !Number.isFinite(seconds) || seconds <= 0) return null;
  return { codec: audio.codec_name, durationMs: Math.round(seconds * 1000) };
}
