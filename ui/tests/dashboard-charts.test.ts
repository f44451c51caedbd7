import { describe, expect, it } from "vitest";
import { allTimeChart, hourlyChart } from "../src/components/dashboard/chart-data.ts";

const at = (hour: number) => `2026-12-01T${String(hour).padStart(2, "0")}:00:00.000Z`;
const seconds = (hour: number) => Date.parse(at(hour)) / 1000;

describe("hourly chart data", () => {
  it("orders the API's newest-first hours oldest first and fills hours without plays with 0", () => {
    const chart = hourlyChart([
      { windowStart: at(13), plays: 4 },
      { windowStart: at(10), plays: 2 },
    ]);
    expect(chart.data).toEqual([
      [seconds(10), seconds(11), seconds(12), seconds(13)],
      [2, 0, 0, 4],
    ]);
    expect(chart.rows).toEqual([
      { label: at(10), value: 2 },
      { label: at(11), value: 0 },
      { label: at(12), value: 0 },
      { label: at(13), value: 4 },
    ]);
  });

  it("is empty without hours, and keeps only the latest hours when asked to", () => {
    expect(hourlyChart([])).toEqual({ data: [[], []], rows: [] });
    const chart = hourlyChart(
      [
        { windowStart: at(20), plays: 1 },
        { windowStart: at(1), plays: 9 },
      ],
      3,
    );
    expect(chart.data).toEqual([
      [seconds(18), seconds(19), seconds(20)],
      [0, 0, 1],
    ]);
  });
});

describe("all-time chart data", () => {
  it("has one bar per track in the order given, 0 for a track never played", () => {
    const chart = allTimeChart(
      [
        { trackId: "a", title: "One" },
        { trackId: "b", title: "Two" },
        { trackId: "c", title: "Three" },
      ],
      [
        { trackId: "c", plays: 7 },
        { trackId: "a", plays: 3 },
      ],
    );
    expect(chart.data).toEqual([
      [0, 1, 2],
      [3, 0, 7],
    ]);
    expect(chart.rows.map((r) => [r.label, r.value])).toEqual([
      ["One", 3],
      ["Two", 0],
      ["Three", 7],
    ]);
  });
});
