/**
 * Playlists end to end (issue 10, journey 9; docs/adr/027-playlists.md): commands on
 * /api/listening/playlists → listening.playlists → vobe-playlist-snapshots →
 * listening.playlist-snapshots → the playlists view → the read routes, each read after= the
 * command's 202. Owner-only writes, another's private playlist hidden, a public one
 * readable by anyone with its link; a restart of the processors and the sink between
 * commands loses and doubles nothing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTopologies } from "../../api/state/derived-view.ts";
import { type Body, bearer, type ReadApi, startReadApi } from "../support/api-read-app.ts";

describe("playlists", () => {
  let api: ReadApi;
  let owner: string;
  let other: string;
  let tracks: string[];

  beforeAll(async () => {
    // The checks' topologies (playlist-snapshots among them) and the playlists view only.
    api = await startReadApi("playlists", {
      only: { topologies: checkTopologies, views: ["playlists"] },
    });
    owner = await api.token({ role: "listener" });
    other = await api.token({ role: "listener" });
    const artist = await api.token({ role: "artist" });
    const a = await api.command("POST", "/api/artist/artists", artist, {
      name: `P ${randomUUID()}`,
    });
    const al = await api.command("POST", "/api/artist/albums", artist, {
      artistId: a.at.id,
      title: "Lists",
      releaseDate: "2026-01-01",
      genre: "pop",
    });
    tracks = [];
    for (let i = 1; i <= 3; i++) {
      const t = await api.command("POST", "/api/artist/tracks", artist, {
        albumId: al.at.id,
        title: `Song ${i}`,
        durationMs: 60_000,
        trackNumber: i,
        genre: "pop",
      });
      tracks.push(t.at.id);
    }
  }, 240_000);

  afterAll(async () => {
    await api?.stop();
  });

  const call = (method: "POST" | "PUT" | "DELETE", url: string, token: string, payload?: object) =>
    api.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const read = (id: string, after: string, token?: string) =>
    api.get(`/api/listening/playlists/${id}?after=${after}`, token);
  const trackIds = (body: Body) => body.entries.map((e: Body) => e.trackId);

  it("create, add, reorder, remove, rename, share and delete, each read back after its 202", async () => {
    const [a, b, c] = tracks as [string, string, string];
    const created = await api.command("POST", "/api/listening/playlists", owner, {
      name: "Road trip",
    });
    const id = created.at.id;
    expect(created.event).toMatchObject({
      playlistId: id,
      name: "Road trip",
      visibility: "private",
    });
    const first = await read(id, created.after, owner);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      name: "Road trip",
      visibility: "private",
      mine: true,
      entries: [],
    });

    const added: string[] = [];
    for (const t of [a, b, c]) {
      const r = await api.command("POST", `/api/listening/playlists/${id}/tracks`, owner, {
        trackId: t,
      });
      added.push(r.at.id);
    }
    const top = await api.command("POST", `/api/listening/playlists/${id}/tracks`, owner, {
      trackId: c,
      position: 0,
    });
    expect(trackIds((await read(id, top.after, owner)).body)).toEqual([c, a, b, c]);

    const moved = await api.command(
      "PUT",
      `/api/listening/playlists/${id}/tracks/${added[0]}/position`,
      owner,
      { position: 3 },
    );
    expect(moved.at.id).toBe(added[0]);
    expect(trackIds((await read(id, moved.after, owner)).body)).toEqual([c, b, c, a]);
    const removed = await api.command(
      "DELETE",
      `/api/listening/playlists/${id}/tracks/${top.at.id}`,
      owner,
    );
    const afterRemove = await read(id, removed.after, owner);
    expect(trackIds(afterRemove.body)).toEqual([b, c, a]);
    expect(afterRemove.body.trackCount).toBe(3);

    // Private: someone else (or nobody) is told nothing exists; the owner's list has it.
    expect((await read(id, removed.after, other)).status).toBe(404);
    expect((await read(id, removed.after)).status).toBe(404);
    const renamed = await api.command("PUT", `/api/listening/playlists/${id}/name`, owner, {
      name: "Night drive",
    });
    const mine = await api.get(`/api/listening/me/playlists?after=${renamed.after}`, owner);
    expect(mine.body.items).toEqual([
      expect.objectContaining({ playlistId: id, name: "Night drive", trackCount: 3 }),
    ]);
    expect((await api.get("/api/listening/me/playlists", other)).body.items).toEqual([]);

    // Public: its link works for anyone, signed in or not; still only the owner changes it.
    const shared = await api.command("PUT", `/api/listening/playlists/${id}/visibility`, owner, {
      visibility: "public",
    });
    const seen = await read(id, shared.after);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ name: "Night drive", visibility: "public", mine: false });
    expect(trackIds(seen.body)).toEqual([b, c, a]);
    const refused = await call("PUT", `/api/listening/playlists/${id}/name`, other, {
      name: "Mine",
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("not_owner");

    const deleted = await api.command("DELETE", `/api/listening/playlists/${id}`, owner);
    expect((await read(id, deleted.after, owner)).status).toBe(404);
    expect(
      (await api.get(`/api/listening/me/playlists?after=${deleted.after}`, owner)).body.items,
    ).toEqual([]);
    expect(
      (await call("PUT", `/api/listening/playlists/${id}/name`, owner, { name: "x" })).statusCode,
    ).toBe(404);
  });

  it("refuses what cannot be done, with clear errors, and writes nothing for it", async () => {
    const created = await api.command("POST", "/api/listening/playlists", owner, {
      name: "Checks",
    });
    const id = created.at.id;
    const hidden = await call("POST", `/api/listening/playlists/${id}/tracks`, other, {
      trackId: tracks[0],
    });
    expect(hidden.statusCode).toBe(404);
    const noTrack = await call("POST", `/api/listening/playlists/${id}/tracks`, owner, {
      trackId: randomUUID(),
    });
    expect(noTrack.statusCode).toBe(404);
    expect(noTrack.json().error.fields[0].path).toBe("body.trackId");
    const noEntry = await call(
      "PUT",
      `/api/listening/playlists/${id}/tracks/${randomUUID()}/position`,
      owner,
      { position: 0 },
    );
    expect(noEntry.statusCode).toBe(404);
    expect((await call("POST", "/api/listening/playlists", owner, { name: "" })).statusCode).toBe(
      400,
    );
    expect(
      (
        await api.app.inject({
          method: "POST",
          url: "/api/listening/playlists",
          payload: { name: "x" },
        })
      ).statusCode,
    ).toBe(401);
    const still = await read(id, created.after, owner);
    expect(still.body.entries).toEqual([]);
  });

  it("a restart of the processors and the sink between commands loses and doubles nothing", async () => {
    const [a, b, c] = tracks as [string, string, string];
    const created = await api.command("POST", "/api/listening/playlists", owner, {
      name: "Restart",
    });
    const id = created.at.id;
    const one = await api.command("POST", `/api/listening/playlists/${id}/tracks`, owner, {
      trackId: a,
    });
    await api.command("POST", `/api/listening/playlists/${id}/tracks`, owner, { trackId: b });
    await api.pauseSink("playlists");
    await api.pauseProcessors();
    await api.resumeProcessors();
    await api.resumeSink("playlists");
    await api.command("PUT", `/api/listening/playlists/${id}/tracks/${one.at.id}/position`, owner, {
      position: 1,
    });
    const last = await api.command("POST", `/api/listening/playlists/${id}/tracks`, owner, {
      trackId: c,
    });
    const after = await read(id, last.after, owner);
    expect(trackIds(after.body)).toEqual([b, a, c]);
    const rows = await api.sql(
      "listening",
      `select track_count, jsonb_array_length(entries) as n from ${api.table("playlists", "playlists")} where playlist_id = '${id}'`,
    );
    expect(rows.rows).toEqual([{ track_count: 3, n: 3 }]);
  });
});
