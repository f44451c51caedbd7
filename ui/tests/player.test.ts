import { beforeEach, describe, expect, it } from "vitest";
import { type PlayerTrack, type QueueSource, usePlayer } from "../src/stores/player.ts";
import { plugins } from "./setup.ts";

const track = (id: string, audio = true): PlayerTrack => ({
  trackId: id,
  title: `Song ${id}`,
  durationMs: 200_000,
  audio: audio
    ? { url: `/api/artist/audio/${id}`, mimeType: "audio/ogg", durationMs: 30_000 }
    : null,
});
const album: QueueSource = { kind: "album", label: "Album", to: "/albums/a1" };
const search: QueueSource = { kind: "search", label: "song", to: "/search?q=song" };

function fresh() {
  plugins();
  return usePlayer();
}
const titles = (player: ReturnType<typeof usePlayer>) => player.queue.map((e) => e.track.trackId);

describe("player store", () => {
  beforeEach(() => localStorage.clear());

  it("plays an album from its first track, then next and previous", () => {
    const player = fresh();
    player.playAll([track("1"), track("2"), track("3")], album);
    expect(player.current?.track.trackId).toBe("1");
    expect(player.playing).toBe(true);
    expect(player.next()).toBe(true);
    expect(player.current?.track.trackId).toBe("2");
    expect(player.previous()).toBe(true);
    expect(player.current?.track.trackId).toBe("1");
  });

  it("stops at the end of the queue, and previous at the start replays the first", () => {
    const player = fresh();
    player.playAll([track("1"), track("2")], album);
    player.next();
    const generation = player.generation;
    expect(player.next()).toBe(false);
    expect(player.playing).toBe(false);
    expect(player.current?.track.trackId).toBe("2");
    player.jump(0);
    const before = player.generation;
    expect(player.previous()).toBe(true);
    expect(player.current?.track.trackId).toBe("1");
    expect(player.generation).toBe(before + 1); // from its beginning again
    expect(generation).toBeLessThan(before);
  });

  it("skips tracks without audio, and starts on the next playable one", () => {
    const player = fresh();
    player.playAll([track("1", false), track("2"), track("3", false), track("4")], album);
    expect(player.current?.track.trackId).toBe("2");
    player.next();
    expect(player.current?.track.trackId).toBe("4");
    player.previous();
    expect(player.current?.track.trackId).toBe("2");
    expect(player.jump(2)).toBe(false);
    expect(player.current?.track.trackId).toBe("2");
    expect(titles(player)).toEqual(["1", "2", "3", "4"]); // kept, marked, skipped
  });

  it("play next goes right after the current entry, before the rest; add goes last", () => {
    const player = fresh();
    player.playAll([track("1"), track("2"), track("3")], album);
    player.playNext([track("x")], search);
    player.add([track("y")], search);
    expect(titles(player)).toEqual(["1", "x", "2", "3", "y"]);
    expect(player.queue[1]?.source.kind).toBe("search");
    expect(player.queue[2]?.source.kind).toBe("album");
    player.next();
    expect(player.current?.track.trackId).toBe("x");
  });

  it("starts playing what is added to an empty queue", () => {
    const player = fresh();
    player.add([track("1")], search);
    expect(player.current?.track.trackId).toBe("1");
    expect(player.playing).toBe(true);
  });

  it("reorders, keeping the current entry current", () => {
    const player = fresh();
    player.playAll([track("1"), track("2"), track("3")], album);
    player.move(2, -1);
    expect(titles(player)).toEqual(["1", "3", "2"]);
    player.move(0, 1); // the current one moves down
    expect(titles(player)).toEqual(["3", "1", "2"]);
    expect(player.current?.track.trackId).toBe("1");
    player.move(0, -1); // nothing above the first
    expect(titles(player)).toEqual(["3", "1", "2"]);
  });

  it("removes entries; removing the current one plays the next, or stops at the end", () => {
    const player = fresh();
    player.playAll([track("1"), track("2"), track("3")], album);
    player.next(); // on 2
    player.remove(0);
    expect(player.current?.track.trackId).toBe("2");
    player.remove(0); // the current one: 3 follows
    expect(player.current?.track.trackId).toBe("3");
    expect(player.playing).toBe(true);
    const generation = player.generation;
    player.remove(0);
    expect(player.generation).toBe(generation + 1); // the bar unloads the removed audio
    expect(player.current).toBeUndefined();
    expect(player.playing).toBe(false);
    expect(player.queue).toEqual([]);
  });

  it("plays a track now after the current one, and toggles play and pause", () => {
    const player = fresh();
    player.toggle();
    expect(player.playing).toBe(false); // nothing to play
    player.playAll([track("1"), track("2")], album);
    player.playNow([track("t")], { kind: "track", label: "t", to: "/tracks/t" });
    expect(titles(player)).toEqual(["1", "t", "2"]);
    expect(player.current?.track.trackId).toBe("t");
    player.toggle();
    expect(player.playing).toBe(false);
    player.setVolume(1.5);
    expect(player.volume).toBe(1);
  });

  it("keeps the queue and the volume for the next page load, paused", () => {
    const player = fresh();
    player.playAll([track("1"), track("2")], album);
    player.next();
    player.setVolume(0.4);
    const reloaded = fresh(); // a new Pinia, as after a reload
    expect(titles(reloaded)).toEqual(["1", "2"]);
    expect(reloaded.current?.track.trackId).toBe("2");
    expect(reloaded.current?.source).toEqual(album);
    expect(reloaded.playing).toBe(false);
    expect(reloaded.volume).toBe(0.4);
    reloaded.add([track("3")], search);
    expect(new Set(reloaded.queue.map((e) => e.key)).size).toBe(3);
  });
});
