/**
 * Dead letters as an operator sees them. Two writers put records aside: a streams
 * application (`<application id>-dlq`, headers `vobe.error.*` and `vobe.origin.*`) and a
 * view's sink (`<view>-dlq`, headers `dlq-*`). Both keep the original key, value and
 * headers; this module reads either into one shape, and strips its own headers again
 * for a replay.
 */
import type { Fetcher, InRecord, KafkaAdmin } from "../../platform/kafka/index.ts";
import { dlqHeaders } from "../../sinks/engine/dlq.ts";
import { readTopic } from "../topics/read.ts";

export interface DeadLetter {
  /** `<dlq topic>:<partition>:<offset>`: how the audit trail names it. */
  id: string;
  /** The dead-letter record itself. */
  letter: InRecord;
  /** Who put it aside: a view's sink or a streams application. */
  source: { kind: "view" | "application"; name: string };
  /** Where the original record was read. */
  origin: { topic: string; partition: number; offset: bigint } | null;
  /** decode / rejected (a view), deserialize / process / produce (an application). */
  stage: string;
  error: string;
  /** The original record as it was written: key, value, its own headers only. */
  original: { key: Buffer | null; value: Buffer | null; headers: Map<string, Buffer> };
}

const engineHeaders = {
  stage: "vobe.error.stage",
  node: "vobe.error.node",
  message: "vobe.error.message",
  topic: "vobe.origin.topic",
  partition: "vobe.origin.partition",
  offset: "vobe.origin.offset",
} as const;

const added = new Set<string>([...Object.values(dlqHeaders), ...Object.values(engineHeaders)]);

export const isDeadLetterTopic = (topic: string): boolean => topic.endsWith("-dlq");

export const letterId = (r: { topic: string; partition: number; offset: bigint }): string =>
  `${r.topic}:${r.partition}:${r.offset}`;

export function parseLetterId(id: string): { topic: string; partition: number; offset: bigint } {
  const match = /^(.+):(\d+):(\d+)$/.exec(id);
  if (!match) throw new Error(`${id}: expected <dead-letter topic>:<partition>:<offset>`);
  return {
    topic: match[1] as string,
    partition: Number(match[2]),
    offset: BigInt(match[3] as string),
  };
}

export function readLetter(letter: InRecord): DeadLetter {
  const text = (name: string) => letter.headers.get(name)?.toString();
  const fromView = text(dlqHeaders.view);
  const originTopic = text(dlqHeaders.topic) ?? text(engineHeaders.topic);
  const originPartition = text(dlqHeaders.partition) ?? text(engineHeaders.partition);
  const originOffset = text(dlqHeaders.offset) ?? text(engineHeaders.offset);
  const headers = new Map<string, Buffer>();
  for (const [k, v] of letter.headers) if (!added.has(k)) headers.set(k, v);
  return {
    id: letterId(letter),
    letter,
    source: fromView
      ? { kind: "view", name: fromView }
      : { kind: "application", name: letter.topic.replace(/-dlq$/, "") },
    origin:
      originTopic && originPartition !== undefined && originOffset !== undefined
        ? { topic: originTopic, partition: Number(originPartition), offset: BigInt(originOffset) }
        : null,
    stage: text(dlqHeaders.kind) ?? text(engineHeaders.stage) ?? "unknown",
    error:
      text(dlqHeaders.error) ??
      [text(engineHeaders.node), text(engineHeaders.message)].filter(Boolean).join(": ") ??
      "",
    original: { key: letter.key, value: letter.value, headers },
  };
}

/**
 * The error with what varies from record to record (ids, numbers, quoted values) blanked
 * out, so that a thousand letters of one bug group as one line.
 */
export function errorShape(error: string): string {
  return error
    .split("\n")[0]
    ?.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<id>")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b\d+\b/g, "<n>")
    .slice(0, 200) as string;
}

/** The dead-letter topics on the broker (under a prefix, if given). */
export async function deadLetterTopics(admin: KafkaAdmin, prefix = ""): Promise<string[]> {
  return (await admin.listTopics())
    .filter((t) => isDeadLetterTopic(t) && t.startsWith(prefix))
    .sort();
}

/** Every letter of a dead-letter topic, oldest first per partition (committed ones only). */
export async function readLetters(
  admin: KafkaAdmin,
  fetcher: Fetcher,
  topic: string,
): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await readTopic(
    admin,
    fetcher,
    // The letters' values are the original bytes, maybe not even Avro: nothing to decode.
    { topic, from: { at: "earliest" }, follow: false, decode: async () => null },
    (r) => {
      letters.push(readLetter(r.record));
    },
  );
  return letters;
}
