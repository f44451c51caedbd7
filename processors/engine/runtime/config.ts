import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";

export const errorActions = ["fail", "log-and-continue", "dead-letter"] as const;
export type ErrorAction = (typeof errorActions)[number];

const configSchema = z.object({
  applicationId: z.string().regex(/^[a-zA-Z0-9._-]+$/, "letters, digits, '.', '_' and '-' only"),
  brokers: z.array(z.string()).min(1),
  processingGuarantee: z.enum(["at_least_once", "exactly_once"]).default("exactly_once"),
  /** How often state, outputs and input offsets are committed together. */
  commitIntervalMs: z.number().int().positive().optional(),
  /** Commit early when this many output records are waiting. */
  maxBufferedRecords: z.number().int().positive().default(20_000),
  /**
   * The record cache of the DSL's aggregations, bytes per instance (Kafka Streams'
   * `statestore.cache.max.bytes`, same default): a key's updates between two commits go
   * downstream as one. 0 turns it off: every update is forwarded.
   */
  cacheMaxBytes: z
    .number()
    .int()
    .nonnegative()
    .default(10 * 1024 * 1024),
  /**
   * Longest stretch of processing before the loop lets timers, I/O and stop() run.
   * With it, stop() returns within one fetch wait, this, and one commit.
   */
  maxBlockMs: z.number().int().positive().default(20),
  /** How often consumed repartition records are deleted (after a commit), as in Kafka Streams. */
  repartitionPurgeIntervalMs: z.number().int().nonnegative().default(30_000),
  /** Where persistent (LMDB) stores live. */
  stateDir: z.string().default(join(process.cwd(), ".stack", "state")),
  /**
   * Stable across restarts of the same instance: its transactional id, so a restarted
   * instance aborts its own unfinished transaction at once instead of waiting for a timeout.
   */
  instanceId: z.string().default(`${hostname()}-${process.pid}`),
  /** host:port where this instance answers interactive queries, shared with the group. */
  endpoint: z.string().optional(),
  handlers: z
    .object({
      deserialization: z.enum(errorActions).default("fail"),
      processing: z.enum(errorActions).default("fail"),
      production: z.enum(errorActions).default("fail"),
    })
    .default({ deserialization: "fail", processing: "fail", production: "fail" }),
  /** Where "dead-letter" sends records; default `<applicationId>-dlq`. */
  deadLetterTopic: z.string().optional(),
  /** A group with no committed offset starts here. */
  startFrom: z.enum(["earliest", "latest"]).default("earliest"),
  sessionTimeoutMs: z.number().int().positive().default(10_000),
});

export type StreamsConfigInput = z.input<typeof configSchema>;
export type StreamsConfig = z.output<typeof configSchema> & {
  commitIntervalMs: number;
  deadLetterTopic: string;
};

export function streamsConfig(input: StreamsConfigInput): StreamsConfig {
  const parsed = configSchema.parse(input);
  return {
    ...parsed,
    // Kafka Streams' defaults: frequent commits bound the work an abort throws away.
    commitIntervalMs:
      parsed.commitIntervalMs ?? (parsed.processingGuarantee === "exactly_once" ? 100 : 1000),
    deadLetterTopic: parsed.deadLetterTopic ?? `${parsed.applicationId}-dlq`,
  };
}
