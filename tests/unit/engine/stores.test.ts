import { describe, expect, it } from "vitest";
import type { KeyValueStore, SessionStore, WindowStore } from "../../../processors/engine/index.ts";
import { createInMemoryBytesStore, Serdes, Stores } from "../../../processors/engine/index.ts";

const kv = () =>
  Stores.keyValue("kv", { keySerde: Serdes.string(), valueSerde: Serdes.long() }).build(
    createInMemoryBytesStore(),
  ) as KeyValueStore<string, number>;

describe("InMemoryBytesStore", () => {
  it("orders keys by unsigned bytes and copies what it stores", () => {
    const store = createInMemoryBytesStore();
    const key = Buffer.from([0x80]);
    store.put(key, Buffer.from("high"));
    store.put(Buffer.from([0x01]), Buffer.from("low"));
    key[0] = 0x00; // the caller reusing its buffer must not move the stored key
    expect([...store.range()].map(([k]) => k[0])).toEqual([0x01, 0x80]);
    expect(store.get(Buffer.from([0x80]))?.toString()).toBe("high");
  });

  it("ranges with an inclusive upper bound and survives deletes while iterating", () => {
    const store = createInMemoryBytesStore();
    for (const k of ["a", "b", "c", "d"]) store.put(Buffer.from(k), Buffer.from(k));
    const seen: string[] = [];
    for (const [k] of store.range(Buffer.from("b"), Buffer.from("c"))) {
      seen.push(k.toString());
      store.put(k, null);
    }
    expect(seen).toEqual(["b", "c"]);
    expect(store.size()).toBe(2);
  });
});

describe("KeyValueStore", () => {
  it("ranges in the byte order of the serialized keys", () => {
    const store = kv();
    for (const k of ["b", "a", "é", "c", "ab"]) store.put(k, 1);
    expect([...store.range("a", "b")].map(([k]) => k)).toEqual(["a", "ab", "b"]);
    // "é" is 0xC3 0xA9 in UTF-8: after every ASCII key.
    expect([...store.all()].map(([k]) => k)).toEqual(["a", "ab", "b", "c", "é"]);
  });

  it("scans a prefix, puts if absent and deletes", () => {
    const store = kv();
    store.put("user:1", 1);
    store.put("user:2", 2);
    store.put("track:1", 3);
    expect([...store.prefixScan("user:")]).toEqual([
      ["user:1", 1],
      ["user:2", 2],
    ]);
    expect(store.putIfAbsent("user:1", 9)).toBe(1);
    expect(store.putIfAbsent("user:3", 3)).toBeUndefined();
    expect(store.delete("user:1")).toBe(1);
    expect(store.get("user:1")).toBeUndefined();
    expect(store.approximateNumEntries()).toBe(3);
  });
});

describe("WindowStore", () => {
  const windows = () =>
    Stores.window("w", {
      keySerde: Serdes.string(),
      valueSerde: Serdes.long(),
      retentionMs: 1_000,
      windowSizeMs: 100,
    }).build(createInMemoryBytesStore()) as WindowStore<string, number>;

  it("fetches one key's windows in a time range, oldest first, ignoring longer keys", () => {
    const store = windows();
    store.put("a", 200, 3);
    store.put("a", 0, 1);
    store.put("a", 100, 2);
    store.put("ab", 100, 99);
    expect([...store.fetchRange("a", 0, 100)]).toEqual([
      [0, 1],
      [100, 2],
    ]);
    expect(store.fetch("a", 200)).toBe(3);
    // fetchAll follows byte order of key+time, so only the set is meaningful.
    const all = [...store.fetchAll(100, 100)].map(([w, v]) => [w.key, w.start, w.end, v]);
    expect(all).toHaveLength(2);
    expect(all).toEqual(
      expect.arrayContaining([
        ["a", 100, 200, 2],
        ["ab", 100, 200, 99],
      ]),
    );
  });

  it("removes windows that started before a time, and deletes on null", () => {
    const store = windows();
    store.put("a", 0, 1);
    store.put("a", 100, 2);
    store.put("b", 50, 5);
    store.removeBefore(100);
    store.put("a", 100, null);
    expect([...store.fetchAll(-1, 10_000)]).toEqual([]);
  });
});

describe("SessionStore", () => {
  it("finds the sessions that end after and start before the bounds", () => {
    const store = Stores.session("s", {
      keySerde: Serdes.string(),
      valueSerde: Serdes.long(),
      retentionMs: 1_000,
    }).build(createInMemoryBytesStore()) as SessionStore<string, number>;
    store.put({ key: "u", start: 0, end: 10 }, 2);
    store.put({ key: "u", start: 50, end: 60 }, 3);
    store.put({ key: "u", start: 200, end: 200 }, 1);
    store.put({ key: "v", start: 55, end: 55 }, 7);
    const found = (earliestEnd: number, latestStart: number) =>
      [...store.findSessions("u", earliestEnd, latestStart)].map(([w, v]) => [w.start, w.end, v]);
    expect(found(5, 55)).toEqual([
      [0, 10, 2],
      [50, 60, 3],
    ]);
    expect(found(11, 100)).toEqual([[50, 60, 3]]);
    store.remove({ key: "u", start: 50, end: 60 });
    store.removeEndedBefore(11);
    expect(found(-1000, 1000)).toEqual([[200, 200, 1]]);
  });
});
