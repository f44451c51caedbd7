import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import {
  createAdmin,
  createConsumer,
  type InRecord,
  type IsolationLevel,
  type KafkaAdmin,
} from "../../platform/kafka/index.ts";

export function brokers(): string[] {
  return inject("endpoints").kafkaBrokers;
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueName(prefix: string): string {
  return `test.${prefix}.${randomUUID().slice(0, 8)}`;
}

export function testAdmin(): KafkaAdmin {
  return createAdmin({ brokers: brokers(), clientId: "vobe-tests" });
}

/**
 * Reads a topic from the beginning in a fresh group until `count` records arrived,
 * then keeps listening for `settleMs` so that extra (unexpected) records are seen too.
 */
export async function readTopic(
  topic: string,
  count: number,
  options: { isolation?: IsolationLevel; timeoutMs?: number; settleMs?: number } = {},
): Promise<InRecord[]> {
  const consumer = createConsumer({
    brokers: brokers(),
    clientId: "vobe-tests-reader",
    groupId: uniqueName("reader"),
    isolation: options.isolation ?? "read_committed",
    maxWaitMs: 100,
  });
  const records: InRecord[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const settle = options.settleMs ?? 1_000;
  try {
    const iterator = consumer.records([topic])[Symbol.asyncIterator]();
    let settleUntil = Number.POSITIVE_INFINITY;
    while (Date.now() < Math.min(deadline, settleUntil)) {
      const next = await Promise.race([
        iterator.next(),
        new Promise<"tick">((resolve) => setTimeout(resolve, 100, "tick")),
      ]);
      if (next === "tick") continue;
      if (next.done) break;
      records.push(next.value);
      if (records.length >= count && settleUntil === Number.POSITIVE_INFINITY) {
        settleUntil = Date.now() + settle;
      }
    }
  } finally {
    await consumer.close();
  }
  return records;
}
