import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  addToTop,
  TRENDING_KEY,
  trendingStores,
  trendingTopology,
} from "../../../processors/topologies/trending-tracks.ts";
import { TrackPlayed, TrendingTracks } from "../../../schemas/generated/index.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const BASE = Date.UTC(2026, 0, 5, 10);
const [a, b, c, d] = ["a", "b", "c", "d"].map(
  (x) => `${x.repeat(8)}-0000-4000-8000-000000000000`,
) as [string, string, string, string];

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([TrackPlayed, TrendingTracks]);
});
afterEach(() => driver?.close());

function start(size: number) {
  driver = new TopologyTestDriver(trendingTopology({ serdes, size }));
  const plays = driver.createInputTopic(
    "listening.plays",
    Serdes.string(),
    serdes.events([TrackPlayed]),
  );
  const trending = driver.createOutputTopic(
    "listening.trending",
    Serdes.string(),
    serdes.derived(TrendingTracks),
  );
  const play = (trackId: string, at: number, times = 1, playId?: string) => {
    for (let i = 0; i < times; i++) {
      plays.pipeInput(
        trackId,
        {
          type: TrackPlayed.name,
          value: {
            eventId: randomUUID(),
            occurredAt: new Date(at),
            actor: { userId: null, role: "listener" },
            playId: playId ?? randomUUID(),
            trackId,
            userId: randomUUID(),
            listenedMs: 1_000,
            trackDurationMs: 2_000,
            completed: false,
            source: "web",
          },
        },
        at,
      );
    }
  };
  /** The latest list written, as [trackId, plays] pairs, with its window. */
  const latest = () => {
    const records = trending.readRecordsToList();
    const last = records.at(-1);
    return {
      count: records.length,
      key: last?.key,
      start: last?.value?.windowStart.getTime(),
      end: last?.value?.windowEnd.getTime(),
      tracks: last?.value?.tracks.map((t) => [t.trackId, t.plays]),
    };
  };
  return { driver, play, latest };
}

describe("trending tracks", () => {
  it("writes the top N of the newest closed hour, every 5 minutes", () => {
    const { play, latest, driver } = start(2);
    play(a, BASE + 1 * MIN, 3);
    play(b, BASE + 2 * MIN, 2);
    play(c, BASE + 3 * MIN, 1);
    expect(latest().count).toBe(0); // no window closed yet
    // Stream time passes [BASE-55m, BASE+5m) + 1 min grace: that hour's top 2.
    play(d, BASE + 6 * MIN);
    expect(latest()).toMatchObject({
      key: TRENDING_KEY,
      start: BASE - 55 * MIN,
      end: BASE + 5 * MIN,
      tracks: [
        [a, 3],
        [b, 2],
      ],
    });
    // c becomes the most played; an hour later only the plays since BASE+5m count.
    play(c, BASE + 30 * MIN, 4);
    play(d, BASE + HOUR + 11 * MIN);
    expect(latest()).toMatchObject({
      start: BASE + 10 * MIN,
      end: BASE + HOUR + 10 * MIN,
      tracks: [[c, 4]],
    });
    expect(
      driver.getKeyValueStore<string, { windowStart: number }>(trendingStores.top).get(TRENDING_KEY)
        ?.windowStart,
    ).toBe(BASE + 10 * MIN);
  });

  it("counts a play id once, however often it is written", () => {
    const { play, latest } = start(10);
    const again = randomUUID();
    play(a, BASE + 1 * MIN, 3, again);
    play(b, BASE + 2 * MIN, 2);
    play(d, BASE + 6 * MIN); // closes [BASE-55m, BASE+5m)
    expect(latest().tracks).toEqual([
      [b, 2],
      [a, 1],
    ]);
  });

  it("ignores plays later than the grace", () => {
    const { play, latest, driver } = start(10);
    play(a, BASE + 1 * MIN);
    play(b, BASE + HOUR + 2 * MIN); // closes [BASE-55m, BASE+5m)
    latest();
    play(a, BASE + 2 * MIN); // too late for the closed windows, counted in the open ones
    expect(driver.droppedRecords()).toBeGreaterThan(0);
    play(b, BASE + 2 * HOUR + 2 * MIN);
    // [BASE+5m, BASE+1h5m) holds b's play at 1h2m only
    const all = latest();
    expect(all.start).toBe(BASE + HOUR);
  });
});

describe("addToTop", () => {
  const list = { windowStart: 100, windowEnd: 200, tracks: [{ trackId: a, plays: 5 }] };
  const count = (trackId: string, plays: number, windowStart = 100) => ({
    trackId,
    plays,
    windowStart,
    windowEnd: windowStart + 100,
  });

  it("inserts in order, breaks ties by track id and cuts at N", () => {
    let top = addToTop(list, count(c, 5), 2);
    top = addToTop(top, count(b, 5), 2);
    expect(top.tracks).toEqual([
      { trackId: a, plays: 5 },
      { trackId: b, plays: 5 },
    ]);
    top = addToTop(top, count(d, 9), 2);
    expect(top.tracks.map((t) => t.trackId)).toEqual([d, a]);
  });

  it("starts over for a newer window and ignores an older one", () => {
    expect(addToTop(list, count(b, 1, 50), 2)).toBe(list);
    expect(addToTop(list, count(b, 1, 105), 2)).toEqual({
      windowStart: 105,
      windowEnd: 205,
      tracks: [{ trackId: b, plays: 1 }],
    });
  });
});
