/**
 * The Java client's default partitioner (murmur2 of the key, made positive, modulo the
 * partition count). Producers, repartition topics, ksqlDB and analysts' Java clients
 * must all agree on it, or co-partitioned joins silently read the wrong partition.
 * Keyless records go to partition 0 here; nothing in VobeMusic writes keyless records.
 */
export function partitionFor(key: Buffer | null, partitions: number): number {
  if (key === null) return 0;
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), in 32-bit integer
 * arithmetic: every output record is hashed, and the client's BigInt version cost ~0.8 µs
 * a key (bench/streams).
 */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    let k =
      (data[o] as number) |
      ((data[o + 1] as number) << 8) |
      ((data[o + 2] as number) << 16) |
      ((data[o + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2] as number) << 16;
  if (rest >= 2) h ^= (data[tail + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[tail] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}
