import { describe, expect, it } from "vitest";
import { keepWindow, type LagSample, trendOf } from "../../ops/lag/trend.ts";

const at = (seconds: number, consumed: number, end: number): LagSample => ({
  at: seconds * 1000,
  consumed: BigInt(consumed),
  end: BigInt(end),
});

describe("lag trend", () => {
  it("needs two samples some time apart", () => {
    expect(trendOf([])).toBeNull();
    expect(trendOf([at(0, 0, 10)])).toBeNull();
    expect(trendOf([at(5, 0, 10), at(5, 1, 10)])).toBeNull();
  });

  it("a consumer gaining on its input: rates, shrinking lag and an ETA at that pace", () => {
    // 10 s: read 1,000, input grew by 200: gains 80/s, 1,200 behind → 15 s.
    const trend = trendOf([at(0, 0, 2_000), at(10, 1_000, 2_200)]);
    expect(trend).toMatchObject({ behind: 1_200n, readPerSecond: 100, writtenPerSecond: 20 });
    expect(trend?.behindPerMinute).toBeCloseTo(-4_800);
    expect(trend?.etaSeconds).toBeCloseTo(15);
  });

  it("not gaining: no ETA; caught up: ETA 0", () => {
    expect(trendOf([at(0, 0, 100), at(10, 50, 200)])?.etaSeconds).toBeNull();
    expect(trendOf([at(0, 0, 100), at(10, 0, 100)])?.etaSeconds).toBeNull();
    expect(trendOf([at(0, 100, 100), at(10, 150, 150)])?.etaSeconds).toBe(0);
  });

  it("keeps the window, and always the newest two", () => {
    const samples = [at(0, 0, 0), at(100, 0, 0), at(250, 0, 0), at(300, 0, 0)];
    expect(keepWindow(samples, 60_000).map((s) => s.at)).toEqual([250_000, 300_000]);
    expect(keepWindow(samples, 10_000).map((s) => s.at)).toEqual([250_000, 300_000]);
    expect(keepWindow(samples, 1_000_000)).toHaveLength(4);
  });
});
