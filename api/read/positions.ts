/**
 * Read-your-writes positions (docs/adr/012-read-apis.md). A command's 202 names where its
 * event landed: `{ topic, partition, offset }`. Its position string is
 *
 *   <topic>:<partition>:<offset>          e.g. content.posts:3:1742
 *
 * (Kafka topic names cannot contain ':'). A read route's `after` takes one or several,
 * comma-separated; the route answers once its view has consumed past every one of them.
 */
import { badRequest } from "../http/errors.ts";
import type { PositionSignal } from "./position-signals.ts";

export interface ReadPosition {
  topic: string;
  partition: number;
  offset: bigint;
}

/** The position string of a command's answer (or of any record). */
export function formatPosition(at: {
  topic: string;
  partition: number;
  offset: string | bigint;
}): string {
  return `${at.topic}:${at.partition}:${at.offset.toString()}`;
}

export const maxPositions = 20;
const pattern = /^([A-Za-z0-9._-]{1,249}):(\d{1,9}):(\d{1,19})$/;

/**
 * Parses `after`; several positions of one topic-partition keep the highest. Refuses
 * (400 invalid_position) anything that is not a position, and topics the view does not read
 * (400 position_not_in_view): waiting for them would wait for nothing, and answering
 * at once would claim a consistency the route cannot give.
 */
export function parsePositions(
  after: string,
  view: { name: string; topics: ReadonlySet<string> },
): ReadPosition[] {
  const parts = after
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0 || parts.length > maxPositions) {
    throw badRequest("invalid_position", `after takes 1 to ${maxPositions} positions`, [
      { path: "query.after", message: "expected <topic>:<partition>:<offset>[,…]" },
    ]);
  }
  const byPartition = new Map<string, ReadPosition>();
  for (const part of parts) {
    const match = pattern.exec(part);
    if (!match) {
      throw badRequest("invalid_position", `${part} is not a position`, [
        { path: "query.after", message: "expected <topic>:<partition>:<offset>" },
      ]);
    }
    const [, topic = "", partition = "0", offset = "0"] = match;
    if (!view.topics.has(topic)) {
      throw badRequest(
        "position_not_in_view",
        `the ${view.name} view does not read ${topic}; this route cannot wait for it`,
        [{ path: "query.after", message: `${part}: not a topic of the ${view.name} view` }],
      );
    }
    const at: ReadPosition = { topic, partition: Number(partition), offset: BigInt(offset) };
    const key = `${topic}:${at.partition}`;
    const known = byPartition.get(key);
    if (!known || known.offset < at.offset) byPartition.set(key, at);
  }
  return [...byPartition.values()];
}

export interface Unreached {
  position: string;
  topic: string;
  partition: number;
  offset: string;
  /** The view has applied every record below this offset; null: nothing of this partition yet. */
  viewNextOffset: string | null;
}

/**
 * Waits until `read()` shows every position consumed (next_offset > offset): re-reading
 * whenever `signal` says the view moved (sinks notify at each commit), or, while the
 * signal is not listening, polling with a growing interval (10 ms → 200 ms). Answers what
 * was still not reached at the deadline (empty: all reached). `timeoutMs` 0 checks once.
 */
export async function waitForPositions(
  positions: readonly ReadPosition[],
  read: (topics: string[]) => Promise<Map<string, bigint>>,
  timeoutMs: number,
  signal?: PositionSignal,
): Promise<Unreached[]> {
  const deadline = Date.now() + timeoutMs;
  const topics = [...new Set(positions.map((p) => p.topic))];
  let pause = 10;
  for (;;) {
    // Taken before reading: a commit between the read and the wait still wakes us.
    const seen = signal?.version() ?? 0;
    const next = await read(topics);
    const missing = positions.filter(
      (p) => (next.get(`${p.topic}:${p.partition}`) ?? 0n) <= p.offset,
    );
    if (missing.length === 0) return [];
    const left = deadline - Date.now();
    if (left <= 0) {
      return missing.map((p) => {
        const at = next.get(`${p.topic}:${p.partition}`);
        return {
          position: formatPosition(p),
          topic: p.topic,
          partition: p.partition,
          offset: p.offset.toString(),
          viewNextOffset: at === undefined ? null : at.toString(),
        };
      });
    }
    if (signal?.listening) {
      // A lost notification costs at most this long.
      await signal.changed(seen, Math.min(1_000, left));
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, 200);
  }
}
