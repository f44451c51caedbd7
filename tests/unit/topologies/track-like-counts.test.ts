import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  trackLikeCountsTopology,
  trackLikeStores,
} from "../../../processors/topologies/track-like-counts.ts";
import {
  TrackLikeCount,
  TrackLiked,
  TrackUnliked,
  UserTrackLike,
} from "../../../schemas/generated/index.ts";

const [t1, t2] = [randomUUID(), randomUUID()];
const [ana, bob] = [randomUUID(), randomUUID()];
const BASE = Date.UTC(2026, 0, 5, 10);

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([TrackLiked, TrackUnliked, TrackLikeCount, UserTrackLike]);
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
  const userLikes = driver.createOutputTopic(
    "listening.user-likes",
    Serdes.string(),
    serdes.derived(UserTrackLike),
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
    userLikes,
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

describe("who likes what (listening.user-likes)", () => {
  it("keeps the first like's time: a second like writes nothing, an unlike is a tombstone", () => {
    const { like, unlike, userLikes } = start();
    like(t1, ana);
    like(t1, ana);
    like(t2, ana);
    unlike(t1, ana);
    unlike(t1, ana);
    like(t1, ana);
    expect(
      userLikes.readKeyValuesToList().map(([k, v]) => [k, v && v.likedAt.getTime() - BASE]),
    ).toEqual([
      [`${t1}/${ana}`, 1_000],
      [`${t2}/${ana}`, 3_000],
      [`${t1}/${ana}`, null],
      [`${t1}/${ana}`, 6_000],
    ]);
  });

  it("names the track and the listener, the system as actor", () => {
    const { like, userLikes } = start();
    like(t1, bob);
    expect(userLikes.readRecord().value).toMatchObject({
      trackId: t1,
      userId: bob,
      actor: { userId: null, role: "system" },
      likedAt: new Date(BASE + 1_000),
      occurredAt: new Date(BASE + 1_000),
    });
  });
});
