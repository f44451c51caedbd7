import { mkdirSync } from "node:fs";
import { open, type RootDatabase } from "lmdb";
import type { BytesStore } from "../state/api.ts";

const CHECKPOINT = Buffer.from("changelog-offset");

/**
 * A persistent store on disk (LMDB, memory-mapped, ordered by bytes). Writes arrive in
 * batches after a commit, together with the changelog offset they reach, in one LMDB
 * transaction: after a crash the checkpoint says exactly where restore resumes.
 */
export class LmdbBytesStore implements BytesStore {
  private readonly root: RootDatabase;
  private readonly data;
  private readonly meta;

  constructor(path: string) {
    mkdirSync(path, { recursive: true });
    this.root = open({ path, keyEncoding: "binary", encoding: "binary", compression: false });
    this.data = this.root.openDB({ name: "data", keyEncoding: "binary", encoding: "binary" });
    this.meta = this.root.openDB({ name: "meta", keyEncoding: "binary", encoding: "binary" });
  }

  get(key: Buffer): Buffer | undefined {
    return this.data.getBinary(key) ?? undefined;
  }

  /** Single writes (restore) go through batches too; see applyBatch. */
  put(key: Buffer, value: Buffer | null): void {
    this.applyBatch([{ key, value }]);
  }

  *range(from?: Buffer, to?: Buffer): Iterable<[Buffer, Buffer]> {
    for (const { key, value } of this.data.getRange({ start: from })) {
      const k = key as Buffer;
      if (to && Buffer.compare(k, to) > 0) break;
      yield [Buffer.from(k), Buffer.from(value as Buffer)];
    }
  }

  size(): number {
    return this.data.getCount();
  }

  applyBatch(changes: Iterable<{ key: Buffer; value: Buffer | null }>, checkpoint?: bigint): void {
    this.root.transactionSync(() => {
      for (const { key, value } of changes) {
        if (value) this.data.putSync(key, value);
        else this.data.removeSync(key);
      }
      if (checkpoint !== undefined)
        this.meta.putSync(CHECKPOINT, Buffer.from(checkpoint.toString()));
    });
  }

  /** The changelog offset the data on disk has reached, if any. */
  checkpoint(): bigint | undefined {
    const raw = this.meta.getBinary(CHECKPOINT);
    return raw ? BigInt(raw.toString()) : undefined;
  }

  clearCheckpoint(): void {
    this.root.transactionSync(() => this.meta.removeSync(CHECKPOINT));
  }

  close(): void {
    this.root.close();
  }
}
