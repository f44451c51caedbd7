/**
 * Replaying and skipping dead letters, each at most once. A replay writes the original
 * record (its key, value and own headers) back to the topic it was read from and, in the
 * same Kafka transaction, a `dlq.replay` audit event keyed by the letter: both are
 * visible, or neither. One transactional id per dead-letter topic fences a concurrent
 * replay of the same letters, and the letters already resolved are read again after that
 * fencing, so a letter replayed twice (two operators, a command run again) is written once.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import {
  createProducer,
  type Fetcher,
  type KafkaAdmin,
  type RecordPosition,
} from "../../platform/kafka/index.ts";
import { auditTopic, auditWriter } from "../audit/audit.ts";
import type { DeadLetter } from "./letters.ts";
import { resolutions } from "./resolutions.ts";

export interface ResolveOptions {
  endpoints: Endpoints;
  admin: KafkaAdmin;
  fetcher: Fetcher;
  decode(value: Buffer): Promise<unknown>;
  reason: string;
  /** Say what would happen; write nothing. */
  dryRun?: boolean;
  /** At most this many letters per second. */
  perSecond?: number;
  topicPrefix?: string;
  /** Who resolves, when not this process's user (the console's signed-in operator). */
  operator?: string;
  /** The Kafka principal that writes, when not this process's own (the console). */
  principal?: string;
  log(line: string): void;
}

export interface ResolveReport {
  done: Array<{ id: string; to?: RecordPosition }>;
  /** Resolved before (by this command run earlier, or another operator): left alone. */
  already: string[];
  /** Cannot be replayed: no origin recorded. */
  refused: Array<{ id: string; why: string }>;
}

export async function resolveLetters(
  action: "dlq.replay" | "dlq.skip",
  letters: readonly DeadLetter[],
  options: ResolveOptions,
): Promise<ResolveReport> {
  const report: ResolveReport = { done: [], already: [], refused: [] };
  if (letters.length === 0) return report;
  const dlqTopics = [...new Set(letters.map((l) => l.letter.topic))];
  if (dlqTopics.length > 1) throw new Error("one dead-letter topic at a time");
  const audit = auditWriter(options.endpoints, {
    ...(options.topicPrefix ? { topicPrefix: options.topicPrefix } : {}),
    ...(options.operator ? { operator: options.operator } : {}),
  });
  const producer = createProducer({
    brokers: options.endpoints.kafkaBrokers,
    clientId: "vobe-dlq",
    transactionalId: `vobe-dlq-${dlqTopics[0]}`,
    ...(options.principal ? { principal: options.principal } : {}),
  });
  try {
    if (!options.dryRun) await producer.initTransactions();
    // After the fencing: whatever a concurrent run committed is visible now.
    const resolved = await resolutions(
      options.admin,
      options.fetcher,
      auditTopic(options.topicPrefix),
      options.decode,
    );
    const pause = options.perSecond ? 1000 / options.perSecond : 0;
    for (const letter of letters) {
      if (resolved.has(letter.id)) {
        report.already.push(letter.id);
        continue;
      }
      if (action === "dlq.replay" && !letter.origin) {
        report.refused.push({ id: letter.id, why: "the letter names no origin topic" });
        continue;
      }
      if (options.dryRun) {
        options.log(
          `would ${action === "dlq.replay" ? `replay ${letter.id} to ${letter.origin?.topic}` : `skip ${letter.id}`}`,
        );
        report.done.push({ id: letter.id });
        continue;
      }
      const tx = await producer.transaction();
      try {
        let to: RecordPosition | undefined;
        if (action === "dlq.replay" && letter.origin) {
          [to] = await tx.send([
            {
              topic: letter.origin.topic,
              key: letter.original.key,
              value: letter.original.value,
              headers: letter.original.headers,
            },
          ]);
        }
        await audit(tx, {
          action,
          target: letter.id,
          reason: options.reason,
          details: {
            source: `${letter.source.kind} ${letter.source.name}`,
            ...(letter.origin
              ? {
                  origin: `${letter.origin.topic}:${letter.origin.partition}:${letter.origin.offset}`,
                }
              : {}),
            ...(to ? { replayedTo: `${to.topic}:${to.partition}:${to.offset}` } : {}),
          },
        });
        await tx.commit();
        report.done.push({ id: letter.id, ...(to ? { to } : {}) });
        options.log(
          to
            ? `replayed ${letter.id} → ${to.topic}:${to.partition}:${to.offset}`
            : `skipped ${letter.id}`,
        );
      } catch (error) {
        await tx.abort().catch(() => {});
        throw error;
      }
      if (pause > 0) await sleep(pause);
    }
    return report;
  } finally {
    await producer.close();
  }
}
