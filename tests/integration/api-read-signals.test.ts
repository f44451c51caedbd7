import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createPositionSignals } from "../../api/read/position-signals.ts";
import { waitForPositions } from "../../api/read/positions.ts";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createPool } from "../../platform/postgres/pool.ts";
import { positionsChannel } from "../../sinks/engine/index.ts";

// Read-your-writes waits on the sinks' commit notifications (real Postgres LISTEN/NOTIFY),
// not on a poll: a wait re-reads the offsets when its view is named, and only then.
describe("waiting for a position, woken by the sinks' notifications", () => {
  const endpoints = inject("endpoints");
  const url = databaseUrlFor(endpoints, "comment");
  const signals = createPositionSignals(() => url);
  const pool = createPool(url, 2);
  const view = `t_${randomUUID().slice(0, 8)}_comment`;
  afterAll(async () => {
    await signals.close();
    await pool.end();
  });

  const notify = (name: string) => pool.query("select pg_notify($1, $2)", [positionsChannel, name]);
  const position = { topic: "comment.comments", partition: 0, offset: 41n };

  it("re-reads once per notification of its view, and answers when the view is past it", async () => {
    const signal = signals.of("comment", view);
    for (let i = 0; i < 50 && !signal.listening; i++) await sleep(50);
    expect(signal.listening).toBe(true);

    let next = 40n;
    let reads = 0;
    const read = async () => {
      reads += 1;
      return new Map([["comment.comments:0", next]]);
    };
    // The fallback re-read comes after 1 s: everything below happens well within that.
    const waiting = waitForPositions([position], read, 5_000, signal);
    await sleep(100);
    // Another view's commits do not wake it.
    await notify(`${view}_other`);
    await sleep(150);
    expect(reads).toBe(1);
    // Its own view's commit that is not yet past the position: one more read, still waiting.
    next = 41n;
    await notify(view);
    await sleep(150);
    expect(reads).toBe(2);
    next = 42n;
    await notify(view);
    expect(await waiting).toEqual([]);
    expect(reads).toBe(3);
    // Polling (10 ms, doubling to 200 ms) would have read ~6 times in these ~400 ms: the
    // counts above are the proof, not the clock.
  });

  it("still answers by polling when no notification comes (every second), and times out", async () => {
    const signal = signals.of("comment", view);
    let reads = 0;
    const unreached = await waitForPositions(
      [position],
      async () => {
        reads += 1;
        return new Map([["comment.comments:0", 10n]]);
      },
      2_200,
      signal,
    );
    expect(unreached).toEqual([
      expect.objectContaining({ offset: "41", viewNextOffset: "10", partition: 0 }),
    ]);
    // At 0, ~1,000 and ~2,000 ms, and at the deadline.
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(reads).toBeLessThanOrEqual(5);
  });
});
