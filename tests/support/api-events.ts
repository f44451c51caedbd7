/**
 * What a request wrote: every record that appeared in the app's topics while it ran,
 * decoded. Proves "one command → exactly one event" (transaction markers are not records).
 *
 *   const { result, records } = await written(api, () => api.app.inject(...));
 */
import type { TestApi } from "./api-app.ts";

export interface WrittenRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Record<string, unknown> | null;
}

export async function written<T>(
  api: TestApi,
  action: () => Promise<T>,
): Promise<{ result: T; records: WrittenRecord[] }> {
  const before = await api.endOffsets();
  const result = await action();
  const after = await api.endOffsets();
  const records: WrittenRecord[] = [];
  for (const [topic, ends] of Object.entries(after)) {
    for (const [partition, end] of ends.entries()) {
      const from = BigInt(before[topic]?.[partition] ?? "0");
      for (const found of await api.readRange(topic, partition, from, BigInt(end))) {
        records.push({
          topic,
          partition,
          offset: String(found.record.offset),
          key: found.record.key?.toString() ?? null,
          value: found.value as Record<string, unknown> | null,
        });
      }
    }
  }
  return { result, records };
}
