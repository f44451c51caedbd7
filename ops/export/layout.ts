/**
 * Where an export's files go (pure): Hive-style directories a reader can prune by,
 * `<out>/topic=<topic>/event_date=<YYYY-MM-DD>/part-p<partition>-<from>-<to>.parquet`.
 * A file is named by the Kafka partition and the offset range it was read from, so the
 * range that a crashed run wrote can be found and removed before it is written again.
 */
import { join } from "node:path";

export const stateFileName = "_export_state.json";
export const lockFileName = ".export.lock";

export const topicDir = (out: string, topic: string): string => join(out, `topic=${topic}`);

/** The UTC calendar day of an instant, as the `event_date` partition value. */
export function eventDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

const pad = (n: bigint | number, width: number) => n.toString().padStart(width, "0");

export interface PartFile {
  partition: number;
  /** The first offset of the range read (inclusive). */
  from: bigint;
  /** The last offset of the range read (inclusive). */
  to: bigint;
}

/** Zero-padded, so files of one partition sort by offset. */
export function partFileName(part: PartFile): string {
  return `part-p${pad(part.partition, 4)}-${pad(part.from, 20)}-${pad(part.to, 20)}.parquet`;
}

export function parsePartFileName(name: string): PartFile | undefined {
  const match = /^part-p(\d+)-(\d+)-(\d+)\.parquet$/.exec(name);
  if (!match) return undefined;
  return { partition: Number(match[1]), from: BigInt(match[2] ?? 0), to: BigInt(match[3] ?? 0) };
}

export function partPath(out: string, topic: string, date: string, part: PartFile): string {
  return join(topicDir(out, topic), `event_date=${date}`, partFileName(part));
}

/** A date directory's name to its date, or undefined for anything else. */
export function parseDateDir(name: string): string | undefined {
  const match = /^event_date=(\d{4}-\d{2}-\d{2})$/.exec(name);
  return match?.[1];
}

/**
 * Whether a file holds records that the state has committed: a range that starts at or
 * past the partition's committed position was written by a run that crashed before it
 * recorded its progress, and will be read and written again.
 */
export function isCommitted(part: PartFile, positions: ReadonlyMap<number, bigint>): boolean {
  const next = positions.get(part.partition);
  return next !== undefined && part.from < next;
}
