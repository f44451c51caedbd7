/**
 * Moments (ADR-028) through the whole path: the write API checks the track and the point,
 * the moments view stores what the log says, the read route pages a track's moments by
 * their point, and the live route streams new and deleted ones.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTopologies } from "../../api/state/derived-view.ts";
import { type LiveApi, startLiveApi } from "../support/api-live-app.ts";
import { type ReadApi, startReadApi } from "../support/api-read-app.ts";

describe("moments: comments at a point of a track", () => {
  let api: ReadApi;
  let live: LiveApi;
  let artistToken: string;
  let ana: { id: string; token: string };
  let bo: string;
  let admin: string;

  beforeAll(async () => {
    [api, live] = await Promise.all([
      startReadApi("moments", {
        only: { topologies: checkTopologies, views: ["moments"] },
      }),
      startLiveApi("moments"),
    ]);
    artistToken = await api.token({ role: "artist" });
    const anaId = randomUUID();
    ana = { id: anaId, token: await api.token({ userId: anaId, role: "listener" }) };
    bo = await api.token({ role: "listener" });
    admin = await api.token({ role: "admin" });
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), live?.stop()]);
  });

  const refused = async (
    method: "POST" | "DELETE",
    url: string,
    token: string | null,
    payload?: object,
  ): Promise<[number, string]> => {
    const res = await api.app.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload ? { payload } : {}),
    });
    return [res.statusCode, (res.json() as { error?: { code: string } }).error?.code ?? ""];
  };

  const track = async (durationMs: number) => {
    const a = await api.command("POST", "/api/artist/artists", artistToken, {
      name: `m-${randomUUID().slice(0, 6)}`,
      genres: ["pop"],
    });
    const al = await api.command("POST", "/api/artist/albums", artistToken, {
      artistId: a.event.artistId,
      title: "Moments",
      releaseDate: "2001-01-01",
      genre: "pop",
    });
    const t = await api.command("POST", "/api/artist/tracks", artistToken, {
      albumId: al.event.albumId,
      title: "Timed",
      durationMs,
      trackNumber: 1,
      genre: "pop",
    });
    return t.event.trackId as string;
  };

  it("posts moments inside the track, reads them by their point (paged, after=), deletes the author's own", async () => {
    const trackId = await track(180_000);
    const url = `/api/comment/tracks/${trackId}/moments`;
    const post = (token: string, atMs: number, body: string) =>
      api.command("POST", url, token, { atMs, body });

    const late = await post(ana.token, 150_000, "the <b>drop</b>");
    expect(late.at).toMatchObject({ id: late.event.momentId, position: late.after });
    expect(late.event).toMatchObject({ trackId, authorId: ana.id, atMs: 150_000 });
    const early = await post(bo, 12_000, "intro");
    const middle = await post(ana.token, 90_000, "bridge");

    // Read your write: the last 202's position as after=, no polling.
    const first = await api.get(`${url}?limit=2&after=${middle.after}`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((m: { atMs: number }) => m.atMs)).toEqual([12_000, 90_000]);
    expect(first.body.items[1]).toMatchObject({
      momentId: middle.at.id,
      trackId,
      authorId: ana.id,
      body: "bridge",
    });
    const second = await api.get(`${url}?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({
      items: [{ atMs: 150_000, body: "the <b>drop</b>" }],
      nextCursor: null,
    });

    // Past the end of the track, an unknown track, another's moment: refused.
    expect(await refused("POST", url, ana.token, { atMs: 180_001, body: "x" })).toEqual([
      400,
      "moment_outside_track",
    ]);
    const nowhere = `/api/comment/tracks/${randomUUID()}/moments`;
    expect(await refused("POST", nowhere, ana.token, { atMs: 0, body: "x" })).toEqual([
      404,
      "not_found",
    ]);
    expect((await refused("POST", url, null, { atMs: 0, body: "x" }))[0]).toBe(401);
    expect(await refused("DELETE", `/api/comment/moments/${late.at.id}`, bo)).toEqual([
      403,
      "not_owner",
    ]);
    const gone = await api.command("DELETE", `/api/comment/moments/${late.at.id}`, ana.token);
    const byAdmin = await api.command("DELETE", `/api/comment/moments/${early.at.id}`, admin);
    const after = await api.get(`${url}?after=${gone.after},${byAdmin.after}`);
    expect(after.body.items.map((m: { body: string }) => m.body)).toEqual(["bridge"]);
  });

  it("streams a track's moments as they are posted and deleted, and nothing of other tracks", async () => {
    const [trackId, other] = [randomUUID(), randomUUID()];
    const stream = await live.open(`/api/live/tracks/${trackId}/moments`);
    expect(stream.status).toBe(200);
    const authorId = randomUUID();
    const momentId = randomUUID();
    await live.events.publish(
      live.types.TrackMomentPosted,
      randomUUID(),
      { momentId: randomUUID(), trackId: other, authorId, atMs: 1_000, body: "elsewhere" },
      live.context,
    );
    await live.events.publish(
      live.types.TrackMomentPosted,
      momentId,
      { momentId, trackId, authorId, atMs: 61_500, body: "here" },
      live.context,
    );
    const posted = await stream.next(undefined, 10_000);
    expect(posted).toMatchObject({
      event: "moment.posted",
      data: { momentId, trackId, authorId, atMs: 61_500, body: "here" },
    });
    await live.events.publish(
      live.types.TrackMomentDeleted,
      momentId,
      { momentId, trackId, authorId },
      live.context,
    );
    expect(await stream.next(undefined, 10_000)).toMatchObject({
      event: "moment.deleted",
      data: { momentId, trackId },
    });
    stream.close();
  });
});
