import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import TrackStats from "../src/components/dashboard/TrackStats.vue";
import { answer, plugins } from "./setup.ts";

/** An EventSource the test feeds: the live plays stream. */
class FakeSource {
  static last: FakeSource | undefined;
  listeners = new Map<string, (message: { data: string }) => void>();
  constructor(readonly url: string) {
    FakeSource.last = this;
  }
  addEventListener(event: string, listener: (message: { data: string }) => void) {
    this.listeners.set(event, listener);
  }
  close() {}
  emit(event: string, data: unknown) {
    this.listeners.get(event)?.({ data: JSON.stringify(data) });
  }
}

const a = "00000000-0000-4000-8000-00000000000a";
const b = "00000000-0000-4000-8000-00000000000b";
const tracks = [
  { trackId: a, title: "Orbit" },
  { trackId: b, title: "Drift" },
];
const counters = { completedPlays: 0, listenedMs: 0, likes: 0, lastPlayedAt: null };

afterEach(() => vi.unstubAllGlobals());

const cells = (wrapper: ReturnType<typeof mount>, testId: string) =>
  wrapper
    .get(`[data-testid="${testId}"]`)
    .findAll("tbody tr")
    .map((row) => row.findAll("th, td").map((cell) => cell.text()));

describe("TrackStats", () => {
  it("shows each track's plays and trending place, the bars' table and one track's hours", async () => {
    vi.stubGlobal("EventSource", FakeSource);
    answer({
      "/api/listening/stats/tracks": {
        trendingWindowEnd: "2026-12-01T13:00:00.000Z",
        items: [
          { trackId: a, plays: 5, trendingRank: 2, ...counters },
          { trackId: b, plays: 0, trendingRank: null, ...counters },
        ],
      },
      [`/api/listening/tracks/${a}/hourly`]: {
        items: [
          {
            windowStart: "2026-12-01T12:00:00.000Z",
            windowEnd: "2026-12-01T13:00:00.000Z",
            plays: 3,
          },
          {
            windowStart: "2026-12-01T10:00:00.000Z",
            windowEnd: "2026-12-01T11:00:00.000Z",
            plays: 2,
          },
        ],
        nextCursor: null,
      },
    });
    const wrapper = mount(TrackStats, { props: { tracks }, ...plugins() });
    await flushPromises();
    expect(cells(wrapper, "track-stats")).toEqual([
      ["Orbit", "5", "#2"],
      ["Drift", "0", "not trending"],
    ]);
    expect(cells(wrapper, "chart-table-bars")).toEqual([
      ["Orbit", "5"],
      ["Drift", "0"],
    ]);
    // Oldest first, the hour without plays as 0.
    expect(cells(wrapper, "chart-table-hours").map(([, plays]) => plays)).toEqual(["2", "0", "3"]);
    expect(wrapper.text()).toContain("Plays per hour of “Orbit”");
  });

  it("moves the bars with the live plays stream", async () => {
    vi.stubGlobal("EventSource", FakeSource);
    answer({
      "/api/listening/stats/tracks": {
        trendingWindowEnd: null,
        items: [
          { trackId: a, plays: 1, trendingRank: null, ...counters },
          { trackId: b, plays: 0, trendingRank: null, ...counters },
        ],
      },
      [`/api/listening/tracks/${a}/hourly`]: { items: [], nextCursor: null },
    });
    const wrapper = mount(TrackStats, { props: { tracks }, ...plugins() });
    await flushPromises();
    expect(FakeSource.last?.url).toBe(`/api/live/plays?tracks=${encodeURIComponent(`${a},${b}`)}`);
    expect(wrapper.text()).toContain("No hour with plays has been counted yet");
    expect(wrapper.text()).toContain("No hour has been ranked yet.");
    FakeSource.last?.emit("plays", { trackId: b, plays: 4 });
    await flushPromises();
    expect(cells(wrapper, "chart-table-bars")).toEqual([
      ["Orbit", "1"],
      ["Drift", "4"],
    ]);
  });
});
