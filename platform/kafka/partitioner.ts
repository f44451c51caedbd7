import { compatibilityPartitioner } from "@platformatic/kafka";

/**
 * The Java client's default partitioner (murmur2 of the key, made positive, modulo the
 * partition count). Producers, repartition topics, ksqlDB and analysts' Java clients
 * must all agree on it, or co-partitioned joins silently read the wrong partition.
 * Keyless records go to partition 0 here; nothing in VobeMusic writes keyless records.
 */
export function partitionFor(key: Buffer | null, partitions: number): number {
  if (key === null) return 0;
  return compatibilityPartitioner(undefined as never, key) % partitions;
}
