import { describe, expect, it } from "vitest";
import { countsAfterMs, usePlayCounter } from "../src/composables/usePlayCounter.ts";
import { answer, plugins } from "./setup.ts";

/** Plays from `from` to `to` seconds in timeupdate steps of 0.25 s. */
async function play(counter: ReturnType<typeof usePlayCounter>, from: number, to: number) {
  for (let s = from; s <= to + 1e-9; s += 0.25) await counter.tick(s, false);
}

describe("play counter", () => {
  it("counts at 30 s, or half of a shorter track", () => {
    expect(countsAfterMs(240_000)).toBe(30_000);
    expect(countsAfterMs(20_000)).toBe(10_000);
  });

  it("records one play once enough was heard, never on the first second", async () => {
    const calls = answer({ "/api/listening/plays": [202, { id: "p" }] });
    plugins();
    const counter = usePlayCounter(() => ({ trackId: "t1", durationMs: 20_000 }));
    await play(counter, 0, 5);
    expect(calls).toEqual([]);
    await play(counter, 5.25, 12);
    expect(calls).toEqual(["/api/listening/plays"]);
    await play(counter, 12.25, 19);
    expect(calls).toHaveLength(1); // one per playback
    counter.reset();
    await play(counter, 0, 11);
    expect(calls).toHaveLength(2); // played again from the start
  });

  it("does not count a seek as listening", async () => {
    const calls = answer({ "/api/listening/plays": [202, { id: "p" }] });
    plugins();
    const counter = usePlayCounter(() => ({ trackId: "t1", durationMs: 200_000 }));
    await play(counter, 0, 2);
    counter.seeked(150);
    await counter.tick(150, false);
    await play(counter, 150.25, 160);
    expect(counter.heardMs.value).toBeLessThan(13_000);
    expect(calls).toEqual([]);
  });

  it("does not count paused time", async () => {
    const calls = answer({ "/api/listening/plays": [202, { id: "p" }] });
    plugins();
    const counter = usePlayCounter(() => ({ trackId: "t1", durationMs: 200_000 }));
    for (let s = 0; s < 60; s += 0.25) await counter.tick(1, true);
    expect(counter.heardMs.value).toBe(0);
    expect(calls).toEqual([]);
  });
});
