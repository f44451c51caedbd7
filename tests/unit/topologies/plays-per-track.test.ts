import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import {
  HOUR_MS,
  type PlaysPerTrackOptions,
  type PlayTotals,
  playsPerTrackStores,
  playsPerTrackTopology,
} from "../../../processors/topologies/plays-per-track.ts";
import {
  type PlaySource,
  TrackPlayCount,
  TrackPlayed,
  TrackPlaysHourly,
} from "../../../schemas/generated/index.ts";

const t1 = randomUUID();
const t2 = randomUUID();
const MIN = 60_000;
const BASE = Date.UTC(2026, 0, 5, 10); // a whole hour

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([TrackPlayed, TrackPlayCount, TrackPlaysHourly]);
});
afterEach(() => driver?.close());

interface PlayOptions {
  source?: PlaySource;
  playId?: string;
  listenedMs?: number;
  completed?: boolean;
}

function start(options: Omit<PlaysPerTrackOptions, "serdes"> = {}) {
  driver = new TopologyTestDriver(playsPerTrackTopology({ serdes, ...options }));
  const plays = driver.createInputTopic(
    "listening.plays",
    Serdes.string(),
    serdes.events([TrackPlayed]),
  );
  const counts = driver.createOutputTopic(
    "listening.track-play-counts",
    Serdes.string(),
    serdes.derived(TrackPlayCount),
  );
  const hourly = driver.createOutputTopic(
    "listening.track-plays-hourly",
    Serdes.string(),
    serdes.derived(TrackPlaysHourly),
  );
  /** Pipes one play (a fresh play id unless given); returns its play id. */
  const play = (trackId: string, at: number, o: PlayOptions = {}) => {
    const playId = o.playId ?? randomUUID();
    plays.pipeInput(
      trackId,
      {
        type: TrackPlayed.name,
        value: {
          eventId: randomUUID(),
          occurredAt: new Date(at),
          actor: { userId: null, role: "listener" },
          playId,
          trackId,
          userId: randomUUID(),
          listenedMs: o.listenedMs ?? 31_000,
          trackDurationMs: 200_000,
          completed: o.completed ?? true,
          source: o.source ?? "web",
        },
      },
      at,
    );
    return playId;
  };
  return { driver, play, counts, hourly };
}

describe("plays per track", () => {
  it("counts every play per track and writes the count as derived state", () => {
    const { play, counts, driver } = start();
    play(t1, BASE + 1_000);
    play(t2, BASE + 2_000);
    play(t1, BASE + 3_000, { source: "simulator", completed: false, listenedMs: 5_000 });
    const records = counts.readRecordsToList();
    expect(records.map((r) => [r.key, r.value?.plays])).toEqual([
      [t1, 1],
      [t2, 1],
      [t1, 2],
    ]);
    const last = records[2]?.value;
    expect(last).toMatchObject({
      trackId: t1,
      plays: 2,
      completedPlays: 1,
      listenedMs: 36_000,
      lastPlayedAt: new Date(BASE + 3_000),
      actor: { userId: null, role: "system" },
    });
    // occurredAt is the event time of the play that changed the count.
    expect(last?.occurredAt).toEqual(new Date(BASE + 3_000));
    expect(records[2]?.timestamp).toBe(BASE + 3_000);
    expect(last?.eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // Interactive query on the store.
    const store = driver.getKeyValueStore<string, PlayTotals>(playsPerTrackStores.counts);
    expect(store.get(t1)).toEqual({
      plays: 2,
      completedPlays: 1,
      listenedMs: 36_000,
      lastPlayedAt: BASE + 3_000,
    });
    expect(store.get(t2)?.plays).toBe(1);
  });

  it("derives the same eventId for the same state at the same time (a rebuild)", () => {
    const first = start();
    first.play(t1, BASE);
    const a = first.counts.readValue();
    first.driver.close();
    const second = start();
    second.play(t1, BASE);
    expect(second.counts.readValue()?.eventId).toBe(a?.eventId);
  });

  it("can leave out simulated plays", () => {
    driver = new TopologyTestDriver(playsPerTrackTopology({ serdes, sources: ["web"] }));
    const plays = driver.createInputTopic(
      "listening.plays",
      Serdes.string(),
      serdes.events([TrackPlayed]),
    );
    const counts = driver.createOutputTopic(
      "listening.track-play-counts",
      Serdes.string(),
      serdes.derived(TrackPlayCount),
    );
    const value = (source: PlaySource) => ({
      eventId: randomUUID(),
      occurredAt: new Date(BASE),
      actor: { userId: null, role: "listener" as const },
      playId: randomUUID(),
      trackId: t1,
      userId: randomUUID(),
      listenedMs: 1,
      trackDurationMs: 2,
      completed: false,
      source,
    });
    plays.pipeInput(t1, { type: TrackPlayed.name, value: value("simulator") }, BASE);
    plays.pipeInput(t1, { type: TrackPlayed.name, value: value("web") }, BASE + 1);
    expect(counts.readValuesToList().map((v) => v?.plays)).toEqual([1]);
  });

  it("counts a play id once: a copy sent again changes neither the totals nor the hour", () => {
    const { play, counts, hourly } = start();
    const first = play(t1, BASE + 10 * MIN, { listenedMs: 40_000 });
    play(t1, BASE + 11 * MIN);
    // The same play written again, even with other fields, a minute later.
    play(t1, BASE + 12 * MIN, { playId: first, listenedMs: 99_000 });
    // A back-dated copy is caught too: ids are remembered by stream time, not their playedAt.
    play(t1, BASE - 20 * HOUR_MS, { playId: first });
    expect(counts.readValuesToList().map((v) => [v?.plays, v?.listenedMs])).toEqual([
      [1, 40_000],
      [2, 71_000],
    ]);
    play(t2, BASE + HOUR_MS + 5 * MIN); // closes the hour
    expect(hourly.readValuesToList().map((v) => [v?.trackId, v?.plays])).toEqual([[t1, 2]]);
  });

  it("forgets a play id after the retention (stream time): a copy that late counts again", () => {
    const { play, counts } = start({ playIdRetentionMs: 10 * MIN });
    const id = play(t1, BASE);
    play(t1, BASE + 10 * MIN, { playId: id }); // exactly the retention: still a copy
    expect(counts.readValuesToList().map((v) => v?.plays)).toEqual([1]);
    play(t2, BASE + 10 * MIN + 1); // stream time moves past it
    play(t1, BASE + 10 * MIN + 2, { playId: id });
    expect(counts.readKeyValuesToList().map(([k, v]) => [k, v?.plays])).toEqual([
      [t2, 1],
      [t1, 2],
    ]);
  });

  it("keeps the latest play time: a back-dated play does not move lastPlayedAt back", () => {
    const { play, counts } = start();
    play(t1, BASE + 5 * MIN);
    play(t1, BASE - 3 * HOUR_MS, { completed: false, listenedMs: 1_000 });
    const last = counts.readValuesToList().at(-1);
    expect(last).toMatchObject({ plays: 2, completedPlays: 1, listenedMs: 32_000 });
    expect(last?.lastPlayedAt).toEqual(new Date(BASE + 5 * MIN));
    // occurredAt is still the event time of the input that changed the state.
    expect(last?.occurredAt).toEqual(new Date(BASE - 3 * HOUR_MS));
  });

  it("writes each hour once, when it is final, and drops plays later than the grace", () => {
    const { play, counts, hourly, driver } = start();
    play(t1, BASE + 10 * MIN);
    play(t1, BASE + 50 * MIN);
    play(t2, BASE + 59 * MIN);
    // The next hour starts: the first one is not final yet (grace 5 min).
    play(t2, BASE + HOUR_MS + 1 * MIN);
    expect(hourly.isEmpty()).toBe(true);
    // Late, within the grace: counted in the first hour.
    play(t1, BASE + 30 * MIN);
    expect(hourly.isEmpty()).toBe(true);
    // Stream time reaches end + grace: the first hour is written, once per track.
    play(t2, BASE + HOUR_MS + 5 * MIN);
    // Windows closing together come out in key (byte) order.
    const first = hourly
      .readRecordsToList()
      .sort((x, y) => (x.key === t1 ? -1 : y.key === t1 ? 1 : 0));
    expect(first.map((r) => [r.key, r.value?.plays])).toEqual([
      [t1, 3],
      [t2, 1],
    ]);
    expect(first[0]?.value).toMatchObject({
      trackId: t1,
      windowStart: new Date(BASE),
      windowEnd: new Date(BASE + HOUR_MS),
    });
    // The last play counted in it (in arrival order, the late one) gives its event time.
    expect(first[0]?.value?.occurredAt).toEqual(new Date(BASE + 30 * MIN));
    // Later than the grace: dropped from the hour, still counted all-time.
    play(t1, BASE + 20 * MIN);
    expect(driver.droppedRecords()).toBe(1);
    play(t1, BASE + 2 * HOUR_MS + 5 * MIN);
    expect(
      hourly.readKeyValuesToList().map(([k, v]) => [k, v?.plays, v?.windowStart.getTime()]),
    ).toEqual([[t2, 2, BASE + HOUR_MS]]);
    const totals = counts.readKeyValuesToMap();
    expect(totals.get(t1)?.plays).toBe(5);
    expect(totals.get(t2)?.plays).toBe(3);
    // The window store answers per hour, for the hours it still keeps (size + grace).
    const windows = driver.getWindowStore<string, number>(playsPerTrackStores.hourly);
    expect(windows.fetch(t1, BASE + 2 * HOUR_MS)).toBe(1);
    expect(windows.fetch(t1, BASE)).toBeUndefined();
  });
});
