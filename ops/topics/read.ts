/**
 * Reading a topic the way an operator or an analyst looks at it: from a place (the start,
 * the end, an offset, a time), decoded, filtered by key or by a field, and always bounded
 * (a number of matches, a number of records scanned, or a deadline when following), so a
 * search over a big topic answers instead of running forever.
 */
import type { Fetcher, InRecord, IsolationLevel, KafkaAdmin } from "../../platform/kafka/index.ts";
import { eventHeaders } from "../../schemas/header-names.ts";

export type StartAt =
  | { at: "earliest" }
  | { at: "latest" }
  | { at: "offset"; offset: bigint }
  | { at: "time"; ms: number };

/** "earliest", "latest", a number (an offset in every partition), or an ISO date/time. */
export function parseStartAt(text: string): StartAt {
  if (text === "earliest" || text === "beginning") return { at: "earliest" };
  if (text === "latest" || text === "end") return { at: "latest" };
  if (/^\d+$/.test(text)) return { at: "offset", offset: BigInt(text) };
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new Error(
      `--from ${text}: expected earliest, latest, an offset, or a date/time such as 2026-12-01T10:00:00Z`,
    );
  }
  return { at: "time", ms };
}

export interface DecodedRecord {
  record: InRecord;
  /** The decoded value; null for a tombstone; undefined when it could not be decoded. */
  value: unknown;
  /** Why the value could not be decoded. */
  undecodable?: string;
  eventType?: string;
}

export interface ReadOptions {
  topic: string;
  partitions?: readonly number[];
  from: StartAt;
  /** Keep waiting for new records at the end (until `deadline` or the signal). */
  follow: boolean;
  /** Stop after this many matching records. */
  maxMatches?: number;
  /** Stop after this many records were looked at (matching or not). */
  maxScanned?: number;
  /** Stop at this time (ms since the epoch). */
  deadline?: number;
  isolation?: IsolationLevel;
  signal?: AbortSignal;
  decode(value: Buffer): Promise<unknown>;
  matches?(record: DecodedRecord): boolean;
}

export interface ReadSummary {
  scanned: number;
  matched: number;
  /** Why it stopped. */
  stopped: "end" | "max-matches" | "max-scanned" | "deadline" | "signal";
  /** Where a next read would go on, per partition. */
  next: Map<number, bigint>;
}

async function startOffsets(admin: KafkaAdmin, topic: string, from: StartAt, count: number) {
  const [starts, ends] = await Promise.all([
    admin.startOffsets(topic),
    admin.endOffsets(topic, "read_uncommitted"),
  ]);
  const clamp = (o: bigint, p: number) => {
    const lo = starts[p] ?? 0n;
    const hi = ends[p] ?? 0n;
    return o < lo ? lo : o > hi ? hi : o;
  };
  switch (from.at) {
    case "earliest":
      return Array.from({ length: count }, (_, p) => starts[p] ?? 0n);
    case "latest":
      return Array.from({ length: count }, (_, p) => ends[p] ?? 0n);
    case "offset":
      return Array.from({ length: count }, (_, p) => clamp(from.offset, p));
    case "time":
      return admin.offsetsForTime(topic, BigInt(from.ms));
  }
}

/**
 * Reads `topic`, hands each matching record to `onRecord`, and says why it stopped.
 * Without `follow` it stops at the ends the partitions had when it began.
 */
export async function readTopic(
  admin: KafkaAdmin,
  fetcher: Fetcher,
  options: ReadOptions,
  onRecord: (record: DecodedRecord) => void | Promise<void>,
): Promise<ReadSummary> {
  const count = await admin.partitionCount(options.topic);
  for (const p of options.partitions ?? []) {
    if (!Number.isInteger(p) || p < 0 || p >= count) {
      throw new Error(`${options.topic} has partitions 0 to ${count - 1}, not ${p}`);
    }
  }
  const chosen = options.partitions ?? Array.from({ length: count }, (_, p) => p);
  const firsts = await startOffsets(admin, options.topic, options.from, count);
  const isolation = options.isolation ?? "read_committed";
  const stopAt = options.follow ? undefined : await admin.endOffsets(options.topic, isolation);
  const next = new Map(chosen.map((p) => [p, firsts[p] ?? 0n]));
  let scanned = 0;
  let matched = 0;
  const open = () => chosen.filter((p) => !stopAt || (next.get(p) ?? 0n) < (stopAt[p] ?? 0n));

  for (;;) {
    if (options.signal?.aborted) return { scanned, matched, stopped: "signal", next };
    if (options.deadline !== undefined && Date.now() >= options.deadline) {
      return { scanned, matched, stopped: "deadline", next };
    }
    const partitions = open();
    if (partitions.length === 0) return { scanned, matched, stopped: "end", next };
    const fetched = await fetcher.fetch(
      partitions.map((p) => ({ topic: options.topic, partition: p, offset: next.get(p) ?? 0n })),
      { isolation, maxWaitMs: options.follow ? 500 : 0 },
    );
    for (const part of fetched) {
      for (const record of part.records) {
        if (stopAt && record.offset >= (stopAt[part.partition] ?? 0n)) break;
        scanned++;
        const decoded = await decodeRecord(record, options.decode);
        if (!options.matches || options.matches(decoded)) {
          matched++;
          await onRecord(decoded);
        }
        next.set(part.partition, record.offset + 1n);
        if (options.maxMatches !== undefined && matched >= options.maxMatches) {
          return { scanned, matched, stopped: "max-matches", next };
        }
        if (options.maxScanned !== undefined && scanned >= options.maxScanned) {
          return { scanned, matched, stopped: "max-scanned", next };
        }
      }
      // Past transaction markers and aborted records too.
      const at = next.get(part.partition) ?? 0n;
      if (part.nextOffset > at) next.set(part.partition, part.nextOffset);
    }
  }
}

async function decodeRecord(
  record: InRecord,
  decode: (value: Buffer) => Promise<unknown>,
): Promise<DecodedRecord> {
  const eventType = record.headers.get(eventHeaders.eventType)?.toString();
  const base = { record, ...(eventType ? { eventType } : {}) };
  if (record.value === null) return { ...base, value: null };
  try {
    return { ...base, value: await decode(record.value) };
  } catch (error) {
    return { ...base, value: undefined, undecodable: (error as Error).message };
  }
}

/**
 * A field filter: `path=value` over the decoded value (dots go into nested records). The
 * value is compared with the field as text (a number, a boolean and a date compare by
 * their JSON text; an ISO date by its prefix, so `playedAt=2026-12-01` finds a day).
 */
export function fieldFilter(expression: string): (record: DecodedRecord) => boolean {
  const at = expression.indexOf("=");
  if (at <= 0) throw new Error(`--where ${expression}: expected field=value, e.g. trackId=…`);
  const path = expression.slice(0, at).split(".");
  const wanted = expression.slice(at + 1);
  return (record) => {
    let value: unknown = record.value;
    for (const step of path) {
      if (value === null || typeof value !== "object") return false;
      value = (value as Record<string, unknown>)[step];
    }
    if (value === undefined) return false;
    if (value instanceof Date) return value.toISOString().startsWith(wanted);
    if (value === null) return wanted === "null";
    return (typeof value === "string" ? value : JSON.stringify(value)) === wanted;
  };
}

export function keyFilter(key: string): (record: DecodedRecord) => boolean {
  return (record) => record.record.key?.toString() === key;
}
