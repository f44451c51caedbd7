/**
 * Which dead letters were already replayed or skipped: the audit trail says so (one
 * `dlq.replay` or `dlq.skip` event per letter, keyed by the letter's id). Read with
 * read_committed, so a replay whose transaction did not commit does not count.
 */
import type { Fetcher, KafkaAdmin } from "../../platform/kafka/index.ts";
import type { OperatorActionTaken } from "../../schemas/generated/ops.ts";
import { readTopic } from "../topics/read.ts";

export interface Resolution {
  action: "dlq.replay" | "dlq.skip";
  reason: string;
  operator: string;
  at: Date;
  details: Record<string, string>;
}

export async function resolutions(
  admin: KafkaAdmin,
  fetcher: Fetcher,
  auditTopic: string,
  decode: (value: Buffer) => Promise<unknown>,
): Promise<Map<string, Resolution>> {
  const found = new Map<string, Resolution>();
  if (!(await admin.listTopics()).includes(auditTopic)) return found;
  await readTopic(
    admin,
    fetcher,
    { topic: auditTopic, from: { at: "earliest" }, follow: false, decode },
    (r) => {
      const v = r.value as Partial<OperatorActionTaken> | null;
      if (!v?.target || (v.action !== "dlq.replay" && v.action !== "dlq.skip")) return;
      // The first resolution of a letter stands; a later one is refused before it is written.
      if (found.has(v.target)) return;
      found.set(v.target, {
        action: v.action,
        reason: v.reason ?? "",
        operator: v.operator ?? "",
        at: v.occurredAt ?? new Date(Number(r.record.timestamp)),
        details: Object.fromEntries((v.details ?? []).map((d) => [d.name, d.value])),
      });
    },
  );
  return found;
}
