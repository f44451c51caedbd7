import { randomUUID } from "node:crypto";
import type { Endpoints } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { createEventProducer, type Envelope, type PendingEvent } from "../../producers/index.ts";
import { TrackPlayed } from "../../schemas/generated/index.ts";

/**
 * Publishes `events` TrackPlayed events to `topic` (its catalog entry applied already):
 * 2,000 tracks, a new listener per play, event times spread evenly over `days` from
 * 2026-01-01. Returns one listener's id, to filter on (it played exactly one record).
 */
export async function publishPlays(
  endpoints: Endpoints,
  topic: string,
  events: number,
  days: number,
): Promise<{ someUserId: string }> {
  const producer = createProducer({ brokers: endpoints.kafkaBrokers, clientId: "vobe-bench" });
  const writer = createEventProducer({
    producer,
    registry: registryApi(endpoints.schemaRegistryUrl),
  });
  const tracks = Array.from({ length: 2_000 }, () => randomUUID());
  const span = days * 86_400_000;
  const start = Date.UTC(2026, 0, 1);
  let someUserId = "";
  try {
    for (let i = 0; i < events; i += 5_000) {
      const batch: Array<PendingEvent<Envelope>> = [];
      for (let j = i; j < Math.min(events, i + 5_000); j++) {
        const trackId = tracks[j % tracks.length] as string;
        const userId = randomUUID();
        if (j === Math.floor(events / 2)) someUserId = userId;
        batch.push({
          type: { ...TrackPlayed, topic },
          key: trackId,
          payload: {
            playId: randomUUID(),
            trackId,
            userId,
            listenedMs: 30_000 + (j % 180_000),
            trackDurationMs: 210_000,
            completed: j % 3 === 0,
            source: "simulator",
          },
          context: {
            actor: { userId, role: "listener" },
            occurredAt: new Date(start + Math.floor((span * j) / events)),
          },
        });
      }
      await writer.publishAll(batch);
    }
  } finally {
    await producer.close();
  }
  return { someUserId };
}
