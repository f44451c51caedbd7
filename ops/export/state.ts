/**
 * The export's progress per topic: the next offset to export of each partition, in
 * `<topic dir>/_export_state.json`. Written only after the Parquet files it covers are on
 * disk (fsynced), atomically (a temporary file fsynced, then renamed), so after a crash
 * it never claims a record whose file is missing.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { lockFileName, stateFileName, topicDir } from "./layout.ts";

export interface ExportState {
  topic: string;
  /** Partition → next offset to export. */
  positions: Map<number, bigint>;
}

export function readState(out: string, topic: string): ExportState {
  try {
    const raw = JSON.parse(readFileSync(join(topicDir(out, topic), stateFileName), "utf8")) as {
      topic: string;
      positions: Record<string, string>;
    };
    return {
      topic,
      positions: new Map(Object.entries(raw.positions).map(([p, o]) => [Number(p), BigInt(o)])),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { topic, positions: new Map() };
    throw error;
  }
}

/** Makes a file's content, or a directory's entries, durable. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function fsyncAsync(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function writeState(out: string, state: ExportState): void {
  const dir = topicDir(out, state.topic);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, stateFileName);
  const tmp = `${file}.${process.pid}.tmp`;
  const positions = Object.fromEntries(
    [...state.positions].sort(([a], [b]) => a - b).map(([p, o]) => [String(p), o.toString()]),
  );
  writeFileSync(tmp, `${JSON.stringify({ topic: state.topic, positions }, null, 2)}\n`);
  fsyncPath(tmp);
  renameSync(tmp, file);
  fsyncPath(dirname(file));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * One export of a topic at a time: two would write the same ranges. A lock left by a
 * process that died (SIGKILL) is taken over.
 */
export function lockTopic(out: string, topic: string): () => void {
  const dir = topicDir(out, topic);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, lockFileName);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(file, "utf8"));
      if (holder && alive(holder)) {
        throw new Error(`${topic} is being exported by process ${holder} (${file})`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${file}`);
}
