import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  trackLikeCountsTopology,
  trackLikeStores,
} from "../../../processors/topologies/track-like-counts.ts";
import { TrackLikeCount, TrackLiked, TrackUnliked } from "../../../schemas/generated/index.ts";

const [t1, t2] = [randomUUID(), randomUUID()];
const [ana, bob] = [randomUUID(), randomUUID()];
const BASE = Date.UTC(2026, 0, 5, 10);

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([TrackLiked, TrackUnliked, TrackLikeCount]);
});
afterEach(() => driver?.close());

function start() {
  driver = new TopologyTestDriver(trackLikeCountsTopology({ serdes }));
  const likes = driver.createInputTopic(
    "listening.likes",
    Serdes.string(),
    serdes.events([TrackLiked, TrackUnliked]),
  );
  const counts = driver.createOutputTopic(
    "listening.track-like-counts",
    Serdes.string(),
    serdes.derived(TrackLikeCount),
  );
  let clock = BASE;
  const send = (liked: boolean, trackId: string, userId: string) => {
    clock += 1_000;
    likes.pipeInput(
      trackId,
      {
        type: (liked ? TrackLiked : TrackUnliked).name,
        value: {
          eventId: randomUUID(),
          occurredAt: new Date(clock),
          actor: { userId, role: "listener" },
          trackId,
          userId,
        },
      },
      clock,
    );
  };
  return {
    driver,
    counts,
    like: (trackId: string, userId: string) => send(true, trackId, userId),
    unlike: (trackId: string, userId: string) => send(false, trackId, userId),
  };
}

describe("likes per track", () => {
  it("counts the listeners whose latest like event is a like", () => {
    const { like, unlike, counts, driver } = start();
    like(t1, ana);
    like(t1, bob);
    like(t2, ana);
    unlike(t1, ana);
    expect(counts.readKeyValuesToList().map(([k, v]) => [k, v?.likes])).toEqual([
      [t1, 1],
      [t1, 2],
      [t2, 1],
      [t1, 1],
    ]);
    expect(driver.getKeyValueStore<string, number>(trackLikeStores.counts).get(t1)).toBe(1);
  });

  it("writes nothing when nothing changes: a like again, an unlike of what was not liked", () => {
    const { like, unlike, counts } = start();
    like(t1, ana);
    like(t1, ana);
    unlike(t2, bob);
    unlike(t1, ana);
    unlike(t1, ana);
    like(t1, ana);
    expect(counts.readValuesToList().map((v) => v?.likes)).toEqual([1, 0, 1]);
  });

  it("writes derived records: the track, the system as actor, the like's event time", () => {
    const { like, counts } = start();
    like(t1, ana);
    const record = counts.readRecord();
    expect(record.value).toMatchObject({
      trackId: t1,
      likes: 1,
      actor: { userId: null, role: "system" },
      occurredAt: new Date(BASE + 1_000),
    });
    expect(record.timestamp).toBe(BASE + 1_000);
  });
});
