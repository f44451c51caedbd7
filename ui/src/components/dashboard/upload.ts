/**
 * A track's audio upload: checked in the browser first (type, size, duration: the platform's
 * own limits, so a person is told at once, before megabytes travel), then sent with
 * XMLHttpRequest, whose `upload.onprogress` reports the bytes actually sent; fetch reports
 * nothing while a body goes up (a streamed request body needs HTTP/2, which the gateway does
 * not speak). The server checks everything again (platform/media/ingest.ts); its refusals
 * come back as ApiError, like every other call.
 *
 *   const problem = checkFile(file) ?? durationProblem(await probeDuration(file));
 *   const answer = await uploadAudio({ trackId, file, token, onProgress: (p) => (percent = p) });
 */
import { type Answer, ApiError } from "../../api/client.ts";

export interface AudioLimits {
  maxBytes: number;
  minDurationMs: number;
  maxDurationMs: number;
}

/** The platform's defaults (VOBE_MEDIA_*); a platform set otherwise still answers with its own. */
export const defaultLimits: AudioLimits = {
  maxBytes: 50 * 1024 * 1024,
  minDurationMs: 1_000,
  maxDurationMs: 20 * 60_000,
};

export type UploadType = "audio/ogg" | "audio/mpeg" | "audio/wav";

// Browsers name the same formats several ways (and some give no type at all).
const byMime: Record<string, UploadType> = {
  "audio/ogg": "audio/ogg",
  "audio/opus": "audio/ogg",
  "application/ogg": "audio/ogg",
  "audio/mpeg": "audio/mpeg",
  "audio/mp3": "audio/mpeg",
  "audio/wav": "audio/wav",
  "audio/wave": "audio/wav",
  "audio/x-wav": "audio/wav",
  "audio/vnd.wave": "audio/wav",
};
const byExtension: Record<string, UploadType> = {
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  mp3: "audio/mpeg",
  wav: "audio/wav",
};

/** What the file input offers (the check below decides). */
export const acceptAttribute = ".ogg,.oga,.opus,.mp3,.wav,audio/ogg,audio/mpeg,audio/wav";

export type Problem = "type" | "size" | "short" | "long";

/** The Content-Type to send, from the browser's type or else the file's extension. */
export function uploadTypeOf(file: { name: string; type: string }): UploadType | undefined {
  const mime = file.type.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mime) return byMime[mime];
  const extension = file.name.toLowerCase().split(".").pop() ?? "";
  return byExtension[extension];
}

/** A problem known without reading the file: its type or its size. */
export function checkFile(
  file: { name: string; type: string; size: number },
  limits: AudioLimits = defaultLimits,
): Problem | undefined {
  if (!uploadTypeOf(file)) return "type";
  if (file.size > limits.maxBytes) return "size";
  return undefined;
}

/** Too short or too long; undefined when fine or unknown (the server then decides). */
export function durationProblem(
  durationMs: number | undefined,
  limits: AudioLimits = defaultLimits,
): Problem | undefined {
  if (durationMs === undefined || !Number.isFinite(durationMs)) return undefined;
  if (durationMs < limits.minDurationMs) return "short";
  if (durationMs > limits.maxDurationMs) return "long";
  return undefined;
}

/** The file's duration as the browser's own decoder reads it; undefined when it cannot. */
export function probeDuration(file: Blob, timeoutMs = 10_000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const audio = document.createElement("audio");
    const url = URL.createObjectURL(file);
    const done = (value: number | undefined) => {
      clearTimeout(timer);
      audio.removeAttribute("src");
      URL.revokeObjectURL(url);
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    audio.preload = "metadata";
    audio.onloadedmetadata = () =>
      done(Number.isFinite(audio.duration) ? Math.round(audio.duration * 1000) : undefined);
    audio.onerror = () => done(undefined);
    audio.src = url;
  });
}

/** Whole percent sent; 100 only once every byte is (a rounding 99.6 is not done). */
export function percentOf(loaded: number, total: number): number {
  if (total <= 0) return 0;
  if (loaded >= total) return 100;
  return Math.min(99, Math.floor((loaded / total) * 100));
}

export type Uploaded = Answer<"/api/artist/tracks/{id}/audio", "post">;

/** The part of XMLHttpRequest used here, so tests can drive it. */
export interface UploadRequest {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  getResponseHeader(name: string): string | null;
  upload: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface UploadOptions {
  trackId: string;
  file: Blob;
  type: UploadType;
  token: string | undefined;
  onProgress(percent: number): void;
  signal?: AbortSignal;
  request?: () => UploadRequest;
}

function errorOf(request: UploadRequest): ApiError {
  let body: { error?: { code?: string; message?: string } } | undefined;
  try {
    body = JSON.parse(request.responseText);
  } catch {
    body = undefined;
  }
  const retry = Number(request.getResponseHeader("retry-after"));
  return new ApiError(
    request.status,
    body?.error?.code ?? `http_${request.status}`,
    body?.error?.message ?? "",
    [],
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

/** Sends the file as the request body; resolves with the 202, rejects with an ApiError. */
export function uploadAudio(options: UploadOptions): Promise<Uploaded> {
  const request = options.request?.() ?? (new XMLHttpRequest() as unknown as UploadRequest);
  return new Promise((resolve, reject) => {
    request.open("POST", `/api/artist/tracks/${encodeURIComponent(options.trackId)}/audio`);
    request.setRequestHeader("content-type", options.type);
    request.setRequestHeader("accept", "application/json");
    if (options.token) request.setRequestHeader("authorization", `Bearer ${options.token}`);
    request.upload.onprogress = (event) => options.onProgress(percentOf(event.loaded, event.total));
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) {
        options.onProgress(100);
        try {
          resolve(JSON.parse(request.responseText) as Uploaded);
        } catch {
          reject(new ApiError(request.status, "internal", "the answer was not JSON"));
        }
      } else {
        reject(errorOf(request));
      }
    };
    request.onerror = () =>
      reject(new ApiError(0, "network", "the upload did not reach the server"));
    request.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    options.signal?.addEventListener("abort", () => request.abort(), { once: true });
    options.onProgress(0);
    request.send(options.file);
  });
}
