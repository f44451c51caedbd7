import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import ArtistView from "../src/views/ArtistView.vue";
import { answer, plugins } from "./setup.ts";

const album = (albumId: string, releaseDate: string) => ({
  albumId,
  artistId: "a1",
  title: `Album ${albumId}`,
  releaseDate,
  genre: "Rock",
  coverUrl: null,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
});
const track = (trackId: string, albumId: string, trackNumber: number) => ({
  trackId,
  albumId,
  artistId: "a1",
  title: `Song ${trackId}`,
  trackNumber,
  durationMs: 180_000,
  genre: "Rock",
  explicit: false,
  hasAudio: false,
  audio: null,
});

describe("an artist's top tracks", () => {
  it("ranks the tracks of every album by counted plays, five at most, numbered by place", async () => {
    const calls = answer({
      "/api/artist/artists/a1": {
        artistId: "a1",
        ownerUserId: "u1",
        name: "Band",
        country: null,
        genres: ["Rock"],
        bio: null,
        createdAt: "2026-01-01T00:00:00Z",
        updatedAt: "2026-01-01T00:00:00Z",
        albums: [album("old", "2020-01-01"), album("new", "2025-01-01")],
      },
      "/api/artist/albums/old": {
        ...album("old", "2020-01-01"),
        tracks: [track("o2", "old", 2), track("o1", "old", 1), track("o3", "old", 3)],
      },
      "/api/artist/albums/new": {
        ...album("new", "2025-01-01"),
        tracks: [track("n1", "new", 1), track("n2", "new", 2), track("n3", "new", 3)],
      },
      "/api/listening/stats/tracks": {
        trendingWindowEnd: null,
        items: [
          { trackId: "o3", plays: 50 },
          { trackId: "n2", plays: 20 },
          { trackId: "o1", plays: 20 },
          { trackId: "n3", plays: 5 },
        ],
      },
    });
    const wrapper = mount(ArtistView, { props: { id: "a1" }, ...plugins() });
    await flushPromises();
    await flushPromises();
    const table = wrapper.get("[data-testid=top-tracks]");
    const rows = table.findAll("tbody tr");
    // By plays; ties (and tracks never played) keep the newest album's order first.
    expect(rows.map((r) => r.findAll("td")[1]?.text())).toEqual([
      "Song o3",
      "Song n2",
      "Song o1",
      "Song n3",
      "Song n1",
    ]);
    expect(rows.map((r) => r.get("td.num").text())).toEqual(["1", "2", "3", "4", "5"]);
    // One read per album and one stats read for all their tracks.
    const stats = calls.filter((c) => c.startsWith("/api/listening/stats/tracks"));
    expect(stats).toHaveLength(1);
    expect(decodeURIComponent(stats[0] ?? "")).toContain("trackIds=n1,n2,n3,o1,o2,o3");
  });
});
