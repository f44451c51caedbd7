/**
 * The media store on local disk (the default): `<root>/<first two hex digits>/<hash>`, so
 * no directory grows past a few thousand entries. A file appears under its name only by
 * rename(2) of a complete file, so a reader never sees half an upload, and a crash leaves
 * at most a temporary file behind, never a wrong object.
 */
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { type ByteRange, isContentHash, type MediaStore } from "./store.ts";

export class LocalMediaStore implements MediaStore {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = `local:${root}`;
  }

  /** Where a hash's bytes are (not whether they exist). */
  path(hash: string): string {
    if (!isContentHash(hash)) throw new Error(`not a content hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash);
  }

  /** The directory for files being received: on the store's file system, so put() renames. */
  async incoming(): Promise<string> {
    const dir = join(this.root, "incoming");
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async put(hash: string, file: string): Promise<void> {
    const target = this.path(hash);
    if ((await this.size(hash)) !== null) {
      await rm(file, { force: true });
      return;
    }
    await mkdir(dirname(target), { recursive: true });
    // Same content, same name: two concurrent puts of one hash both end in the same file.
    await rename(file, target);
  }

  async size(hash: string): Promise<number | null> {
    try {
      const s = await stat(this.path(hash));
      return s.isFile() ? s.size : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async read(hash: string, range?: ByteRange): Promise<Readable> {
    return createReadStream(this.path(hash), range ? { start: range.start, end: range.end } : {});
  }
}
