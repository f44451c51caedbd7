/**
 * The history of a few keys across topics, for a test's failure message: which records
 * (tombstones too) each topic holds for them, in offset order. A view that disagrees with
 * its model then shows where the disagreement began: a source event with no derived
 * record after it, a derived record the view did not apply, a record under another key.
 *
 *   const lines = await keyHistories(endpoints, ["t_1_content.posts", "t_1_content.post-details"], ids);
 */
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createAdmin } from "../../platform/kafka/index.ts";
import { createSchemaRegistry } from "../../platform/registry/schema-registry.ts";
import { eventHeaders } from "../../producers/index.ts";
import { readAll } from "./streams.ts";

/** Fields that tell one version of an entity from another, where a record has them. */
const telling = ["title", "name", "body", "editedAt", "plays", "likes", "comments", "deleted"];

export async function keyHistories(
  endpoints: Endpoints,
  topics: readonly string[],
  keys: ReadonlySet<string>,
  limit = 60,
): Promise<string[]> {
  if (keys.size === 0) return [];
  const admin = createAdmin({ brokers: endpoints.kafkaBrokers, clientId: "vobe-tests-history" });
  // A catalog topic the run never made (nothing was derived into it) has no history.
  const existing = new Set(await admin.listTopics().finally(() => admin.close()));
  const registry = createSchemaRegistry(endpoints.schemaRegistryUrl);
  const lines: string[] = [];
  for (const topic of topics.filter((t) => existing.has(t))) {
    for (const record of await readAll(topic, endpoints.kafkaBrokers)) {
      const key = record.key?.toString() ?? "";
      if (!keys.has(key)) continue;
      const type = record.headers.get(eventHeaders.eventType)?.toString() ?? "?";
      const value =
        record.value === null
          ? "tombstone"
          : summary(await registry.decode(record.value).catch((e: Error) => e.message));
      lines.push(
        `${topic} ${key} ${record.partition}:${record.offset} ${type.split(".").at(-1)} ${value}`,
      );
    }
  }
  const more = lines.length - limit;
  return more > 0 ? [...lines.slice(0, limit), `… and ${more} more`] : lines;
}

function summary(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  const fields = value as Record<string, unknown>;
  const at = fields.occurredAt instanceof Date ? fields.occurredAt.toISOString() : "";
  const shown = telling
    .filter((f) => f in fields)
    .map((f) => {
      const v = fields[f];
      const text = v instanceof Date ? v.toISOString() : JSON.stringify(v);
      return `${f}=${text && text.length > 30 ? `${text.slice(0, 27)}…` : text}`;
    });
  return [at, ...shown].join(" ");
}
