import { Type } from "@fastify/type-provider-typebox";
import { contentHashPattern } from "../../platform/media/store.ts";
import { Accepted, ErrorReply, IdParams, responses } from "../http/schemas.ts";

export const AudioInfo = Type.Object(
  {
    contentHash: Type.String({ pattern: contentHashPattern }),
    codec: Type.String(),
    mimeType: Type.String(),
    durationMs: Type.Integer(),
    sizeBytes: Type.Integer(),
    url: Type.String({ description: "GET it (range requests welcome) to play the audio" }),
  },
  { additionalProperties: false },
);

const binary = (description: string) => ({
  description,
  content: Object.fromEntries(
    ["audio/ogg", "audio/mpeg", "audio/wav"].map((t) => [
      t,
      { schema: { type: "string", format: "binary" } },
    ]),
  ),
});

export const uploadAudio = (limits: {
  maxBytes: number;
  minDurationMs: number;
  maxDurationMs: number;
}) => ({
  tags: ["artist"],
  summary: "Upload the audio of one of the caller's tracks (replaces earlier audio)",
  description: `The body is the file itself, sent with its Content-Type: audio/ogg (Vorbis, Opus), audio/mpeg (MP3) or audio/wav. The container is checked by its bytes (415 unsupported_audio, audio_type_mismatch), the size (at most ${limits.maxBytes} bytes: 413 audio_too_large) and the duration as probed (${limits.minDurationMs} to ${limits.maxDurationMs} ms: 400 audio_duration). The bytes go to the media store under their SHA-256; the 202 names them, and the track's reads show the audio once the artist view has the TrackAudioUploaded (pass position as after=). A refused upload writes nothing.`,
  security: [{ bearer: [] }],
  params: IdParams,
  response: responses({
    202: Type.Object({ ...Accepted.properties, audio: AudioInfo }, { additionalProperties: false }),
  }),
});

export const audio = {
  tags: ["artist"],
  summary: "The audio bytes stored under a content hash (HTTP range requests, cached for ever)",
  description:
    "Answers 200 with the whole file, or 206 with one byte range (Range: bytes=a-b, bytes=a-, bytes=-n; several ranges get the whole file), 416 range_not_satisfiable with Content-Range: bytes */size for a range past the end, 304 for If-None-Match with the ETag (the quoted hash). Cache-Control: public, max-age=31536000, immutable.",
  params: Type.Object(
    { hash: Type.String({ pattern: contentHashPattern }) },
    { additionalProperties: false },
  ),
  response: {
    ...responses({}),
    200: binary("The whole audio file"),
    206: binary("One byte range of the audio file (Content-Range says which)"),
    304: { description: "Not modified: the client's copy (ETag) is this content", type: "null" },
    416: ErrorReply,
  },
};
