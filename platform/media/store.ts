/**
 * The media store: audio bytes live here, outside Kafka, named by the SHA-256 of their
 * content (docs/adr/023-media-store.md). The log carries only the hash and what was probed
 * (TrackAudioUploaded), so a rebuilt view needs no re-upload, and the same bytes uploaded
 * twice are stored once.
 */
import type { Readable } from "node:stream";

/** A content hash: 64 lower-case hex digits of SHA-256. */
export const contentHashPattern = "^[0-9a-f]{64}$";
const contentHash = new RegExp(contentHashPattern);

export function isContentHash(value: string): boolean {
  return contentHash.test(value);
}

/** An inclusive byte range of a stored object. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface MediaStore {
  /** Where the bytes live, for logs and the start summary ("local:/path", "s3://bucket"). */
  readonly location: string;
  /**
   * Takes in a local file whose SHA-256 is `hash` (the caller hashed it while receiving it):
   * afterwards the store has the bytes under that name. The file is consumed (moved or
   * deleted). Storing bytes that are already there changes nothing.
   */
  put(hash: string, file: string): Promise<void>;
  /** A local directory for files being received, from which put() takes them cheaply. */
  incoming(): Promise<string>;
  /** The stored object's size, or null when nothing is stored under the hash. */
  size(hash: string): Promise<number | null>;
  /** The bytes (or a range of them) of a stored object; it must exist. */
  read(hash: string, range?: ByteRange): Promise<Readable>;
}
