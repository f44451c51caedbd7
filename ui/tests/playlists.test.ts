import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it, vi } from "vitest";
import { tracksById } from "../src/api/tracks.ts";
import AddToPlaylist from "../src/components/AddToPlaylist.vue";
import { playlistSource, readPlaylist } from "../src/playlists/api.ts";
import { usePlayer } from "../src/stores/player.ts";
import { plugins } from "./setup.ts";

const accepted = {
  id: "e1",
  eventId: "x",
  topic: "listening.playlists",
  partition: 2,
  offset: "5",
  position: "listening.playlists:2:5",
};
const track = (trackId: string, title: string, audio = true) => ({
  trackId,
  title,
  durationMs: 60_000,
  audio: audio ? { url: `/media/${trackId}`, mimeType: "audio/ogg", durationMs: 60_000 } : null,
});

describe("add to playlist", () => {
  it("lists my playlists when opened, adds the track to the one chosen, says so, and closes", async () => {
    const calls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? "GET"} ${input} ${init?.body ?? ""}`.trim());
        if (init?.method === "POST") return Response.json(accepted, { status: 202 });
        return Response.json({
          items: [
            { playlistId: "p1", name: "Road", visibility: "private", trackCount: 0 },
            { playlistId: "p2", name: "Night", visibility: "public", trackCount: 3 },
          ],
          nextCursor: null,
        });
      }),
    );
    const wrapper = mount(AddToPlaylist, { props: { trackId: "t1", title: "Song" }, ...plugins() });
    const open = wrapper.get("[data-testid=add-to-playlist]");
    expect(open.attributes("aria-expanded")).toBe("false");
    await open.trigger("click");
    await flushPromises();
    const choices = wrapper.findAll("[data-testid=add-to-playlist-choice]");
    expect(choices.map((c) => c.text())).toEqual(["Road", "Night"]);
    await choices[1]?.trigger("click");
    await flushPromises();
    expect(calls.at(-1)).toBe('POST /api/listening/playlists/p2/tracks {"trackId":"t1"}');
    expect(wrapper.find("[data-testid=add-to-playlist-choice]").exists()).toBe(false);
    expect(wrapper.text()).toContain("Song added to Night.");
  });

  it("says why when the playlist is full", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_input: string, init?: RequestInit) =>
        init?.method === "POST"
          ? Response.json({ error: { code: "playlist_full", message: "x" } }, { status: 409 })
          : Response.json({ items: [{ playlistId: "p1", name: "Road" }], nextCursor: null }),
      ),
    );
    const wrapper = mount(AddToPlaylist, { props: { trackId: "t1", title: "Song" }, ...plugins() });
    await wrapper.get("[data-testid=add-to-playlist]").trigger("click");
    await flushPromises();
    await wrapper.get("[data-testid=add-to-playlist-choice]").trigger("click");
    await flushPromises();
    expect(wrapper.text()).toContain("This playlist is full (500 tracks at most).");
  });
});

describe("tracks by id", () => {
  it("asks for 100 tracks at a time, each id once, and maps what came back", async () => {
    const asked: string[][] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string) => {
        const ids = new URL(input, "http://x").searchParams.get("ids")?.split(",") ?? [];
        asked.push(ids);
        return Response.json({ items: ids.map((id) => track(id, id)) });
      }),
    );
    plugins();
    const ids = Array.from({ length: 250 }, (_, i) => `t${i}`);
    const tracks = await tracksById([...ids, "t0", "t1"]);
    expect(asked.map((a) => a.length)).toEqual([100, 100, 50]);
    expect(asked.flat()).toEqual(ids);
    expect(tracks.size).toBe(250);
    expect(tracks.get("t249")?.title).toBe("t249");
  });
});

describe("a playlist into the queue", () => {
  it("reads each track once, in the playlist's order, and queues them as from the playlist", async () => {
    const reads: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string) => {
        reads.push(input);
        if (input.startsWith("/api/listening/playlists/p1")) {
          return Response.json({
            playlistId: "p1",
            name: "Road",
            mine: true,
            entries: [
              { entryId: "e1", trackId: "b", addedAt: "2026-01-01T00:00:00Z" },
              { entryId: "e2", trackId: "a", addedAt: "2026-01-01T00:00:00Z" },
              { entryId: "e3", trackId: "b", addedAt: "2026-01-01T00:00:00Z" },
              { entryId: "e4", trackId: "gone", addedAt: "2026-01-01T00:00:00Z" },
            ],
          });
        }
        // The tracks route leaves out an id that is not a public track.
        const ids = new URL(input, "http://x").searchParams.get("ids")?.split(",") ?? [];
        return Response.json({
          items: ids.filter((id) => id !== "gone").map((id) => track(id, id.toUpperCase())),
        });
      }),
    );
    plugins();
    const playlist = await readPlaylist("p1", "listening.playlists:2:5");
    expect(reads[0]).toBe(
      "/api/listening/playlists/p1?after=listening.playlists%3A2%3A5&wait=10000",
    );
    expect(reads.filter((r) => r.startsWith("/api/artist/tracks"))).toEqual([
      "/api/artist/tracks?ids=b%2Ca%2Cgone",
    ]);
    expect(playlist.entries.map((e) => e.track?.title)).toEqual(["B", "A", "B", undefined]);

    const player = usePlayer();
    player.playAll(
      playlist.entries.flatMap((e) => (e.player ? [e.player] : [])),
      playlistSource(playlist),
    );
    player.playNext([track("c", "C")], { kind: "search", label: "c", to: "/search?q=c" });
    expect(player.queue.map((e) => [e.track.title, e.source.kind])).toEqual([
      ["B", "playlist"],
      ["C", "search"],
      ["A", "playlist"],
      ["B", "playlist"],
    ]);
    expect(player.queue[0]?.source).toEqual({
      kind: "playlist",
      label: "Road",
      to: "/playlists/p1",
    });
  });
});
