/**
 * Search through the read API: documents indexed by the search sink from commands sent to
 * the write API, found with highlights and suggested; the engine down → 503 while the
 * Postgres routes keep answering.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Body, type ReadApi, startReadApi } from "../support/api-read-app.ts";

describe("the search routes, against the real engine", () => {
  let api: ReadApi;
  let artistToken: string;
  let artistId: string;
  let albumId: string;
  let postId: string;
  const after: string[] = [];
  const tracks = new Map<string, string>();
  const trackAfter = new Map<string, string>();

  beforeAll(async () => {
    api = await startReadApi("search");
    artistToken = await api.token({ role: "artist" });
    const artist = await api.command("POST", "/api/artist/artists", artistToken, {
      name: "Björk",
      country: "IS",
      genres: ["pop"],
    });
    artistId = artist.event.artistId as string;
    const album = await api.command("POST", "/api/artist/albums", artistToken, {
      artistId,
      title: "Homogenic",
      releaseDate: "1997-09-22",
      genre: "electronic",
    });
    albumId = album.event.albumId as string;
    after.push(artist.after, album.after);
    const titles = [
      "Jóga",
      "Hunter",
      "Rock & Roll <live>",
      ...[1, 2, 3, 4, 5].map((n) => `Night ${n}`),
    ];
    for (const [i, title] of titles.entries()) {
      const t = await api.command("POST", "/api/artist/tracks", artistToken, {
        albumId,
        title,
        durationMs: 200_000,
        trackNumber: i + 1,
        genre: "electronic",
      });
      tracks.set(title, t.event.trackId as string);
      trackAfter.set(title, t.after);
      after.push(t.after);
    }
    const post = await api.command("POST", "/api/content/posts", artistToken, {
      title: "Мумий Тролль на гастролях",
      body: "tour dates",
      artistId,
    });
    postId = post.event.postId as string;
    const comment = await api.command(
      "POST",
      `/api/comment/posts/${postId}/comments`,
      artistToken,
      {
        body: "see you there",
      },
    );
    after.push(post.after, comment.after);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const search = async (query: string) => {
    const res = await api.get(`/api/search?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  it("finds a new track with its command's position: after= waits through the processors", async () => {
    // The first read of the run: nothing has waited for the processors before it.
    const hunter = await search(`q=hunter&type=tracks&after=${trackAfter.get("Hunter")}`);
    expect(hunter.items.map((i: Body) => i.document.title)).toEqual(["Hunter"]);
    expect(hunter.items[0].document).toMatchObject({
      albumTitle: "Homogenic",
      artistName: "Björk",
    });
  });

  it("finds what the commands wrote once the search view is past them, with highlights", async () => {
    // The sink does not refresh the indices; `after` waits for the view, then refreshes.
    const artists = await search(`q=bjork&type=artists&after=${after.join(",")}`);
    expect(artists.items).toEqual([
      {
        id: artistId,
        score: expect.any(Number),
        highlights: { name: ["<em>Björk</em>"] },
        document: { artistId, name: "Björk", country: "IS", genres: ["pop"], bio: null },
      },
    ]);

    // A prefix finds the word; the track document carries its album and artist.
    const hunter = await search("q=hun&type=tracks");
    expect(hunter.items[0]).toMatchObject({
      id: tracks.get("Hunter"),
      highlights: { title: ["<em>Hunter</em>"] },
      document: {
        title: "Hunter",
        albumTitle: "Homogenic",
        artistName: "Björk",
        albumId,
        artistId,
      },
    });
    // Tracks by their artist's name (the default type is tracks).
    expect((await search("q=Björk")).total).toBe(8);

    // Highlights are HTML-escaped apart from the <em> tags.
    const escaped = await search("q=roll&type=tracks");
    expect(escaped.items[0].highlights.title).toEqual(["Rock &amp; <em>Roll</em> &lt;live&gt;"]);

    // A post carries its artist's name and comment count, as post-details wrote them.
    const posts = await search("q=мумий&type=posts");
    expect(posts.items[0]).toMatchObject({
      highlights: { title: ["<em>Мумий</em> Тролль на гастролях"] },
      document: {
        postId,
        title: "Мумий Тролль на гастролях",
        artistId,
        artistName: "Björk",
        body: "tour dates",
        comments: 1,
      },
    });
    expect((await search("q=homogenic&type=albums")).items[0].document).toEqual({
      albumId,
      title: "Homogenic",
      artistId,
      artistName: "Björk",
      genre: "electronic",
      releaseDate: "1997-09-22",
    });
  });

  it("pages with a cursor (no duplicates, no gaps), or with from", async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Body = await search(`q=night&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      ids.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    const nights = [1, 2, 3, 4, 5].map((n) => tracks.get(`Night ${n}`));
    expect([...ids].sort()).toEqual([...nights].sort());

    const byFrom = await search("q=night&limit=2&from=2");
    expect(byFrom.items.map((i: { id: string }) => i.id)).toEqual(ids.slice(2, 4));

    const other = await search("q=night&limit=2");
    const mixed = await api.get(`/api/search?q=hunter&cursor=${other.nextCursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.code).toBe("invalid_cursor");
    expect((await api.get(`/api/search?q=night&from=2&cursor=${other.nextCursor}`)).status).toBe(
      400,
    );
    expect((await api.get("/api/search?q=night&type=songs")).status).toBe(400);
    expect((await api.get("/api/search")).status).toBe(400);
  });

  it("suggests completions of a prefix among tracks, artists and albums", async () => {
    const res = await api.get("/api/search/suggest?q=hom");
    expect(res.status).toBe(200);
    expect(res.body.suggestions).toEqual([{ text: "Homogenic", type: "albums", id: albumId }]);
    const bj = await api.get("/api/search/suggest?q=bj");
    expect(bj.body.suggestions).toEqual([{ text: "Björk", type: "artists", id: artistId }]);
    const nights = await api.get("/api/search/suggest?q=nig&limit=3");
    expect(nights.body.suggestions).toHaveLength(3);
    expect(nights.body.suggestions.every((s: { type: string }) => s.type === "tracks")).toBe(true);
  });

  it("answers 503 search_unavailable when the engine is down, while the Postgres routes answer", async () => {
    const down = await api.otherApp({ searchUrl: "http://127.0.0.1:1" });
    try {
      for (const url of ["/api/search?q=bjork", "/api/search/suggest?q=bj"]) {
        const res = await down.inject({ method: "GET", url });
        expect(res.statusCode, url).toBe(503);
        expect((res.json() as Body).error).toMatchObject({
          code: "search_unavailable",
          message: expect.any(String),
        });
      }
      const feed = await down.inject({
        method: "GET",
        url: `/api/content/posts?after=${after.at(-1)}`,
      });
      expect(feed.statusCode).toBe(200);
      expect((feed.json() as Body).items).toHaveLength(1);
      const album = await down.inject({ method: "GET", url: `/api/artist/albums/${albumId}` });
      expect((album.json() as Body).tracks).toHaveLength(8);
    } finally {
      await down.close();
    }
  });
});
