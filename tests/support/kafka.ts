import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import {
  createAdmin,
  createFetcher,
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
 * Reads a topic from the beginning (every partition, explicit positions: no group to join,
 * which took seconds on a loaded machine) until `count` records arrived, then keeps
 * reading for `settleMs` so that extra (unexpected) records are seen too.
 */
export async function readTopic(
  topic: string,
  count: number,
  options: { isolation?: IsolationLevel; timeoutMs?: number; settleMs?: number } = {},
): Promise<InRecord[]> {
  const admin = testAdmin();
  const fetcher = createFetcher({ brokers: brokers(), clientId: "vobe-tests-reader" });
  const records: InRecord[] = [];
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const settle = options.settleMs ?? 1_000;
  try {
    const partitions = await admin.partitionCount(topic);
    const positions = Array.from({ length: partitions }, (_, partition) => ({
      topic,
      partition,
      offset: 0n,
    }));
    let settleUntil = Number.POSITIVE_INFINITY;
    while (Date.now() < Math.min(deadline, settleUntil)) {
      const fetched = await fetcher.fetch(positions, {
        isolation: options.isolation ?? "read_committed",
        maxWaitMs: 100,
      });
      for (const part of fetched) {
        records.push(...part.records);
        const position = positions[part.partition];
        if (position && part.nextOffset > position.offset) position.offset = part.nextOffset;
      }
      if (records.length >= count && settleUntil === Number.POSITIVE_INFINITY) {
        settleUntil = Date.now() + settle;
      }
    }
  } finally {
    await fetcher.close();
    await admin.close();
  }
  return records;
}
