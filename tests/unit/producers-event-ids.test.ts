import { describe, expect, it } from "vitest";
import { eventIds } from "../../producers/event-ids.ts";

const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("eventIds", () => {
  it("makes version-4 UUIDs whose bytes spell the same ids", () => {
    const { ids, ascii } = eventIds(1000);
    expect(ascii.length).toBe(36_000);
    ids.forEach((id, i) => {
      expect(id).toMatch(v4);
      expect(ascii.toString("latin1", 36 * i, 36 * i + 36)).toBe(id);
    });
  });

  it("never repeats an id, across batches that cross the random pool's refills", () => {
    const seen = new Set<string>();
    for (let batch = 0; batch < 50; batch++) for (const id of eventIds(97).ids) seen.add(id);
    expect(seen.size).toBe(50 * 97);
  });

  it("spreads the random digits over all 16 values at every random position", () => {
    const { ids } = eventIds(4000);
    for (let at = 0; at < 36; at++) {
      if ([8, 13, 14, 18, 19, 23].includes(at)) continue;
      expect(new Set(ids.map((id) => id[at])).size, `position ${at}`).toBe(16);
    }
  });

  it("answers an empty batch with nothing", () => {
    expect(eventIds(0)).toEqual({ ids: [], ascii: Buffer.alloc(0) });
  });
});
