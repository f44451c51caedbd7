/**
 * Moderation through the API against the real stack (docs/adr/021-moderation.md): every
 * topology and sink runs (tests/support/api-read-app.ts), and each read waits with `after=`
 * for the moderation event's effect, through vobe-catalog-snapshots and the documents
 * topologies for search. An admin's takedown hides an entity, and what is under it, from
 * the public reads and search; its owner still sees it with the reason; a restore brings it
 * back; nobody but an admin moderates, and a refused command writes nothing.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Body, type ReadApi, startReadApi } from "../support/api-read-app.ts";
import { testAdmin } from "../support/kafka.ts";

/** A word no other test indexes, so a search for it finds only this test's entities. */
const word = () =>
  `mod${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join("")}`;

describe("moderation: admins take catalog content down and restore it", () => {
  let api: ReadApi;
  const admin = testAdmin();
  const tokens = { owner: "", otherArtist: "", listener: "", admin: "" };
  const ids: Record<string, string> = {};
  const names = { artist: word(), album: word(), hidden: word(), kept: word(), other: word() };
  let ready: string[] = [];

  beforeAll(async () => {
    api = await startReadApi("moderation");
    tokens.owner = await api.token({ role: "artist" });
    tokens.otherArtist = await api.token({ role: "artist" });
    tokens.listener = await api.token({ role: "listener" });
    tokens.admin = await api.token({ role: "admin" });
    const artist = await api.command("POST", "/api/artist/artists", tokens.owner, {
      name: `${names.artist} Quartet`,
    });
    ids.artist = artist.event.artistId as string;
    const album = await api.command("POST", "/api/artist/albums", tokens.owner, {
      artistId: ids.artist,
      title: `${names.album} Sessions`,
      releaseDate: "2024-05-01",
      genre: "jazz",
    });
    ids.album = album.event.albumId as string;
    const track = (title: string, trackNumber: number) =>
      api.command("POST", "/api/artist/tracks", tokens.owner, {
        albumId: ids.album,
        title,
        durationMs: 180_000,
        trackNumber,
        genre: "jazz",
      });
    const hidden = await track(`${names.hidden} Blues`, 1);
    const kept = await track(`${names.kept} Waltz`, 2);
    ids.hidden = hidden.event.trackId as string;
    ids.kept = kept.event.trackId as string;
    ready = [artist.after, album.after, hidden.after, kept.after];
  });

  afterAll(async () => {
    await api?.stop();
    await admin.close();
  });

  const ok = async (url: string, token?: string) => {
    const res = await api.get(url, token);
    expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  };
  const status = async (url: string) => (await api.get(url)).status;
  const searchIds = async (type: string, q: string, after: string) =>
    ((await ok(`/api/search?q=${q}&type=${type}&after=${after}&wait=10000`)).items as Body[]).map(
      (i) => i.id as string,
    );
  const raw = ["artist.artists", "artist.albums", "artist.tracks"];
  const ends = async () =>
    Object.fromEntries(
      await Promise.all(
        raw.map(async (t) => {
          const topic = `${api.run.topicPrefix}${t}`;
          return [t, (await admin.endOffsets(topic)).map(String)] as const;
        }),
      ),
    );

  it("refuses moderation by anyone but an admin, and commands that would change nothing; none writes", async () => {
    // Everything exists and is public first.
    await ok(`/api/artist/tracks/${ids.hidden}?after=${ready.join(",")}&wait=10000`);
    const before = await ends();
    const send = async (url: string, token: string | null, payload: object) => {
      const res = await api.app.inject({
        method: "POST",
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        payload,
      });
      return { status: res.statusCode, code: (res.json() as Body).error?.code as string };
    };
    const reason = { reason: "reported" };
    for (const kind of ["artists", "albums", "tracks"] as const) {
      const id = { artists: ids.artist, albums: ids.album, tracks: ids.hidden }[kind];
      for (const action of ["takedown", "restore"]) {
        const url = `/api/artist/${kind}/${id}/${action}`;
        // The owner manages their catalog but does not moderate it; nor do others.
        expect(await send(url, tokens.owner as string, reason)).toEqual({
          status: 403,
          code: "role_forbidden",
        });
        expect((await send(url, tokens.otherArtist as string, reason)).status).toBe(403);
        expect((await send(url, tokens.listener as string, reason)).status).toBe(403);
        expect((await send(url, null, reason)).status).toBe(401);
      }
      // An admin's command that would change nothing, or names nothing, or gives no reason.
      expect(
        await send(`/api/artist/${kind}/${id}/restore`, tokens.admin as string, reason),
      ).toEqual({ status: 409, code: "not_taken_down" });
      const missing = "00000000-0000-4000-8000-000000000000";
      expect(
        await send(`/api/artist/${kind}/${missing}/takedown`, tokens.admin as string, reason),
      ).toEqual({ status: 404, code: "not_found" });
      for (const body of [{}, { reason: "" }, { reason: " \u200b " }, { reason: "x", extra: 1 }]) {
        expect(
          (await send(`/api/artist/${kind}/${id}/takedown`, tokens.admin as string, body)).status,
        ).toBe(400);
      }
    }
    // Nor may an admin edit the catalog: moderation is not ownership.
    const patch = await api.app.inject({
      method: "PATCH",
      url: `/api/artist/tracks/${ids.hidden}`,
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { title: "renamed by an admin" },
    });
    expect(patch.statusCode).toBe(403);
    expect(await ends()).toEqual(before);
  });

  it("hides a taken-down track from public reads and search, shows it to its owner with the reason, and a restore brings it back", async () => {
    // Found before the takedown: the search below can fail.
    expect(await searchIds("tracks", names.hidden, ready.join(","))).toEqual([ids.hidden]);

    const down = await api.command(
      "POST",
      `/api/artist/tracks/${ids.hidden}/takedown`,
      tokens.admin as string,
      { reason: "copyright claim #42" },
    );
    expect(down.event).toMatchObject({
      trackId: ids.hidden,
      albumId: ids.album,
      artistId: ids.artist,
      reason: "copyright claim #42",
      actor: { role: "admin" },
    });
    const after = `after=${down.after}&wait=10000`;
    expect(await status(`/api/artist/tracks/${ids.hidden}?${after}`)).toBe(404);
    const album = await ok(`/api/artist/albums/${ids.album}?${after}`);
    expect((album.tracks as Body[]).map((t) => t.trackId)).toEqual([ids.kept]);
    expect(await searchIds("tracks", names.hidden, down.after)).toEqual([]);
    expect(await searchIds("tracks", names.kept, down.after)).toEqual([ids.kept]);

    // The owner sees it, with the reason; another artist does not; an admin sees all.
    const mine = await ok(`/api/artist/takedowns?${after}`, tokens.owner);
    expect(mine.items).toEqual([
      {
        kind: "track",
        id: ids.hidden,
        artistId: ids.artist,
        title: `${names.hidden} Blues`,
        reason: "copyright claim #42",
        takenDownAt: expect.any(String),
      },
    ]);
    expect((await ok(`/api/artist/takedowns?${after}`, tokens.otherArtist)).items).toEqual([]);
    const all = (await ok(`/api/artist/takedowns?${after}`, tokens.admin)).items as Body[];
    expect(all.map((i) => i.id)).toContain(ids.hidden);
    expect((await api.get(`/api/artist/takedowns?${after}`, tokens.listener)).status).toBe(403);

    // A second takedown changes nothing: refused.
    const again = await api.app.inject({
      method: "POST",
      url: `/api/artist/tracks/${ids.hidden}/takedown`,
      headers: { authorization: `Bearer ${tokens.admin}` },
      payload: { reason: "again" },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("already_taken_down");

    // The owner still edits it; it stays hidden until restored.
    const edit = await api.command("PATCH", `/api/artist/tracks/${ids.hidden}`, tokens.owner, {
      title: `${names.hidden} Blues (clean)`,
    });
    expect(await status(`/api/artist/tracks/${ids.hidden}?after=${edit.after}&wait=10000`)).toBe(
      404,
    );
    expect(await searchIds("tracks", names.hidden, edit.after)).toEqual([]);

    const up = await api.command(
      "POST",
      `/api/artist/tracks/${ids.hidden}/restore`,
      tokens.admin as string,
      { reason: "claim withdrawn" },
    );
    expect(up.event).toMatchObject({ trackId: ids.hidden, reason: "claim withdrawn" });
    const track = await ok(`/api/artist/tracks/${ids.hidden}?after=${up.after}&wait=10000`);
    expect(track.title).toBe(`${names.hidden} Blues (clean)`);
    expect(await searchIds("tracks", names.hidden, up.after)).toEqual([ids.hidden]);
    expect(
      (await ok(`/api/artist/takedowns?after=${up.after}&wait=10000`, tokens.owner)).items,
    ).toEqual([]);
  });

  it("hides a taken-down artist with its albums and tracks everywhere public, and restores them all", async () => {
    const down = await api.command(
      "POST",
      `/api/artist/artists/${ids.artist}/takedown`,
      tokens.admin as string,
      { reason: "impersonation" },
    );
    const after = `after=${down.after}&wait=10000`;
    expect(await status(`/api/artist/artists/${ids.artist}?${after}`)).toBe(404);
    expect(await status(`/api/artist/albums/${ids.album}?${after}`)).toBe(404);
    expect(await status(`/api/artist/tracks/${ids.kept}?${after}`)).toBe(404);
    const listed = async (afterQuery: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Body = await ok(
          `/api/artist/artists?limit=100&${afterQuery}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seen.push(...(page.items as Body[]).map((a) => a.artistId as string));
        cursor = page.nextCursor as string | null;
      } while (cursor);
      return seen;
    };
    expect(await listed(after)).not.toContain(ids.artist);
    expect(await searchIds("artists", names.artist, down.after)).toEqual([]);
    expect(await searchIds("albums", names.album, down.after)).toEqual([]);
    expect(await searchIds("tracks", names.kept, down.after)).toEqual([]);
    const mine = (await ok(`/api/artist/takedowns?${after}`, tokens.owner)).items as Body[];
    expect(mine.map((i) => [i.kind, i.id, i.reason])).toEqual([
      ["artist", ids.artist, "impersonation"],
    ]);

    const up = await api.command(
      "POST",
      `/api/artist/artists/${ids.artist}/restore`,
      tokens.admin as string,
      { reason: "verified" },
    );
    const back = `after=${up.after}&wait=10000`;
    expect((await ok(`/api/artist/artists/${ids.artist}?${back}`)).albums).toHaveLength(1);
    expect(await ok(`/api/artist/albums/${ids.album}?${back}`)).toMatchObject({
      albumId: ids.album,
    });
    expect(await listed(back)).toContain(ids.artist);
    expect(await searchIds("artists", names.artist, up.after)).toEqual([ids.artist]);
    expect(await searchIds("albums", names.album, up.after)).toEqual([ids.album]);
    expect((await searchIds("tracks", names.kept, up.after)).sort()).toEqual([ids.kept]);
  });

  it("hides an album's tracks with it", async () => {
    const down = await api.command(
      "POST",
      `/api/artist/albums/${ids.album}/takedown`,
      tokens.admin as string,
      { reason: "cover art" },
    );
    const after = `after=${down.after}&wait=10000`;
    expect(await status(`/api/artist/albums/${ids.album}?${after}`)).toBe(404);
    expect(await status(`/api/artist/tracks/${ids.kept}?${after}`)).toBe(404);
    expect((await ok(`/api/artist/artists/${ids.artist}?${after}`)).albums).toEqual([]);
    expect(await searchIds("albums", names.album, down.after)).toEqual([]);
    expect(await searchIds("tracks", names.kept, down.after)).toEqual([]);
    // The artist itself stays public and searchable.
    expect(await searchIds("artists", names.artist, down.after)).toEqual([ids.artist]);
  });
});
