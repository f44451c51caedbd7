import type { InRecord, OutRecord } from "../../platform/kafka/index.ts";

export interface PoisonRecord {
  record: InRecord;
  /** decode: not an event we can read; rejected: the view or the database refused it. */
  kind: "decode" | "rejected";
  error: string;
}

/** Headers a dead letter carries beyond the original record's own. */
export const dlqHeaders = {
  error: "dlq-error",
  kind: "dlq-error-kind",
  view: "dlq-view",
  topic: "dlq-origin-topic",
  partition: "dlq-origin-partition",
  offset: "dlq-origin-offset",
  timestamp: "dlq-origin-timestamp",
} as const;

/**
 * The original key, value and headers, plus why and where from. The origin makes a
 * duplicate (a dead letter written again after a failed commit) easy to recognize.
 */
export function deadLetter(
  poison: PoisonRecord,
  options: { view: string; dlqTopic: string },
): OutRecord {
  const headers: Record<string, string | Buffer> = {};
  for (const [k, v] of poison.record.headers) headers[k] = v;
  headers[dlqHeaders.error] = poison.error.slice(0, 4000);
  headers[dlqHeaders.kind] = poison.kind;
  headers[dlqHeaders.view] = options.view;
  headers[dlqHeaders.topic] = poison.record.topic;
  headers[dlqHeaders.partition] = String(poison.record.partition);
  headers[dlqHeaders.offset] = poison.record.offset.toString();
  headers[dlqHeaders.timestamp] = poison.record.timestamp.toString();
  return {
    topic: options.dlqTopic,
    key: poison.record.key,
    value: poison.record.value,
    headers,
  };
}
