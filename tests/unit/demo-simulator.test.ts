import avro from "avsc";
import { describe, expect, it } from "vitest";
import {
  createPlayGenerator,
  demoListening,
  dueEvents,
  generateDemoCatalog,
  type PlayPayload,
} from "../../connect/demo/index.ts";
import { logicalTypes } from "../../platform/registry/logical-types.ts";
import { TrackPlayed } from "../../schemas/generated/index.ts";

const listening = demoListening(generateDemoCatalog({ size: "full", seed: 5 }));
const plays = (seed: number, n: number, replay = true): PlayPayload[] => {
  const generator = createPlayGenerator({ seed, ...listening, replay });
  return Array.from({ length: n }, () => generator.next());
};
const withoutIds = (list: PlayPayload[]) => list.map(({ playId: _, ...rest }) => rest);

describe("the listener simulator's plays", () => {
  const sample = plays(5, 50_000);

  it("are deterministic for a seed, and differ between seeds", () => {
    expect(plays(5, 1_000)).toEqual(sample.slice(0, 1_000));
    expect(plays(6, 1_000)).not.toEqual(sample.slice(0, 1_000));
  });

  it("have fresh play ids on every run unless replaying: a second run adds plays", () => {
    const first = plays(5, 1_000, false);
    const second = plays(5, 1_000, false);
    // The same listening, as new plays: no id of one run is in the other, or in the seed's.
    expect(withoutIds(second)).toEqual(withoutIds(first));
    const ids = new Set([...first, ...second, ...sample.slice(0, 1_000)].map((p) => p.playId));
    expect(ids.size).toBe(3_000);
    // Replaying gives the seed's own ids again: the processors count those plays once.
    expect(plays(5, 1_000, true).map((p) => p.playId)).toEqual(
      sample.slice(0, 1_000).map((p) => p.playId),
    );
    // Fresh ids are the default.
    const byDefault = createPlayGenerator({ seed: 5, ...listening }).next();
    expect(byDefault.playId).not.toBe(sample[0]?.playId);
  });

  it("only play the catalog's tracks, by its listeners, from the simulator", () => {
    const tracks = new Map(listening.tracks.map((t) => [t.trackId, t.durationMs]));
    const users = new Set(listening.userIds);
    const strangers = sample.filter(
      (play) =>
        tracks.get(play.trackId) !== play.trackDurationMs ||
        !users.has(play.userId) ||
        play.source !== "simulator",
    );
    expect(strangers.slice(0, 3)).toEqual([]);
    expect(new Set(sample.map((p) => p.playId)).size).toBe(sample.length);
  });

  it("skip plausibly: listened time within the track, completed exactly when played to the end", () => {
    let early = 0;
    let completed = 0;
    // One assertion over all 50,000 plays: an expect per play cost seconds on a loaded machine.
    const implausible = sample.filter(
      (play) =>
        play.listenedMs <= 0 ||
        play.listenedMs > play.trackDurationMs ||
        play.completed !== (play.listenedMs === play.trackDurationMs),
    );
    expect(implausible.slice(0, 3)).toEqual([]);
    for (const play of sample) {
      if (play.listenedMs <= 30_000) early++;
      if (play.completed) completed++;
    }
    expect(early / sample.length).toBeGreaterThan(0.12);
    expect(early / sample.length).toBeLessThan(0.4);
    expect(completed / sample.length).toBeGreaterThan(0.45);
    expect(completed / sample.length).toBeLessThan(0.75);
  });

  it("make trending meaningful: a few tracks get most plays, the tail still gets some", () => {
    const counts = new Map<string, number>();
    for (const play of sample) counts.set(play.trackId, (counts.get(play.trackId) ?? 0) + 1);
    const sorted = [...counts.values()].sort((a, b) => b - a);
    const top1pc = Math.ceil(listening.tracks.length / 100);
    const headShare = sorted.slice(0, top1pc).reduce((s, n) => s + n, 0) / sample.length;
    expect(headShare).toBeGreaterThan(0.4);
    expect(counts.size).toBeGreaterThan(listening.tracks.length / 4);
    // The hits are spread over the catalog, not the first tracks generated.
    const generator = createPlayGenerator({ seed: 5, ...listening });
    const topIds = generator.byPopularity.slice(0, 10).map((t) => t.trackId);
    expect(topIds).not.toEqual(listening.tracks.slice(0, 10).map((t) => t.trackId));
    expect(counts.get(topIds[0] as string)).toBe(sorted[0]);
  });

  it("are valid TrackPlayed values for the Avro schema", () => {
    const type = avro.Type.forSchema(TrackPlayed.schema as avro.Schema, { logicalTypes });
    for (const play of sample.slice(0, 5_000)) {
      const value = {
        eventId: "00000000-0000-4000-8000-000000000000",
        occurredAt: new Date(0),
        actor: { userId: null, role: "system" },
        ...play,
      };
      expect(type.isValid(value)).toBe(true);
    }
  });
});

describe("the simulator's pacing", () => {
  it("makes the events due at a rate since the start, never negative", () => {
    expect(dueEvents(200, 50, 0)).toBe(10);
    expect(dueEvents(200, 1_000, 195)).toBe(5);
    expect(dueEvents(200, 1_000, 200)).toBe(0);
    expect(dueEvents(200, 1_000, 250)).toBe(0);
    expect(dueEvents(3, 400, 0)).toBe(1);
    // A late tick catches up everything that became due.
    expect(dueEvents(200, 2_000, 100)).toBe(300);
  });
});
