/**
 * What the web app's player, library and artist dashboard need from the API (issue 10,
 * journeys 4, 5 and 7), against the real stack (startReadApi: every topology and sink):
 *
 *   - an artist uploads a track's audio: the bytes land in the media store under their
 *     SHA-256, one TrackAudioUploaded is written, and the track's read shows the audio
 *     (after= with the 202's position); a rebuilt artist view has it again, from the log;
 *   - the bytes are served with range requests (first bytes, middle, suffix, 416, 304);
 *   - refused uploads (wrong bytes, lying Content-Type, too large, too short, another's
 *     track, no token) write nothing to the log and leave nothing in the store;
 *   - a like twice is one like; the library is newest like first, a second like does not
 *     move a track; "do I like these"; listening history; per-track stats;
 *   - the caller's own artists, for the dashboard.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createAdmin } from "../../platform/kafka/index.ts";
import { listVersions } from "../../sinks/engine/versions.ts";
import { artistView } from "../../sinks/postgres/artist/view.ts";
import { buildVersion, createSinkRuntime } from "../../sinks/runtime.ts";
import { type Body, bearer, type ReadApi, startReadApi } from "../support/api-read-app.ts";

/** Audio made by ffmpeg (Debian's, installed by the stack's set-up): a tone of `seconds`. */
function tone(dir: string, name: string, seconds: number, args: string[]): Promise<Buffer> {
  const file = join(dir, name);
  execFileSync(
    "ffmpeg",
    [
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      `sine=frequency=440:duration=${seconds}`,
      ...args,
      file,
    ],
    { timeout: 30_000 },
  );
  return readFile(file);
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe("audio, likes and the library", () => {
  let api: ReadApi;
  let dir: string;
  let mediaDir: string;
  let artistToken: string;
  let otherArtistToken: string;
  let listenerToken: string;
  let ogg: Buffer;
  let tracks: string[];
  let otherTrack: string;
  const env = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vobe-audio-"));
    mediaDir = join(dir, "media");
    // The plugin reads its store and limits when the app is built.
    process.env.VOBE_MEDIA_DIR = mediaDir;
    process.env.VOBE_MEDIA_MAX_BYTES = String(256 * 1024);
    api = await startReadApi("audio");
    artistToken = await api.token({ role: "artist" });
    otherArtistToken = await api.token({ role: "artist" });
    listenerToken = await api.token({ role: "listener" });
    ogg = await tone(dir, "a.ogg", 2, ["-c:a", "libvorbis", "-q:a", "2"]);

    const catalog = async (token: string, n: number) => {
      const a = await api.command("POST", "/api/artist/artists", token, {
        name: `A ${randomUUID()}`,
      });
      const al = await api.command("POST", "/api/artist/albums", token, {
        artistId: a.at.id,
        title: "Tones",
        releaseDate: "2026-01-01",
        genre: "ambient",
      });
      const ids: string[] = [];
      for (let i = 1; i <= n; i++) {
        const t = await api.command("POST", "/api/artist/tracks", token, {
          albumId: al.at.id,
          title: `Tone ${i}`,
          durationMs: 2_000,
          trackNumber: i,
          genre: "ambient",
        });
        ids.push(t.at.id);
      }
      return ids;
    };
    tracks = await catalog(artistToken, 3);
    otherTrack = (await catalog(otherArtistToken, 1))[0] as string;
  }, 240_000);

  afterAll(async () => {
    process.env = env;
    await api?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = (
    trackId: string,
    bytes: Buffer,
    type: string,
    token: string | null = artistToken,
  ) =>
    api.app.inject({
      method: "POST",
      url: `/api/artist/tracks/${trackId}/audio`,
      headers: { "content-type": type, ...(token ? bearer(token) : {}) },
      payload: bytes,
    });

  it("an artist's dashboard lists the caller's own artists only, after= their creation (before the rebuild test pauses the artist sink)", async () => {
    const token = await api.token({ role: "artist" });
    const created = [];
    for (const name of ["Zed", "Ada"]) {
      created.push(await api.command("POST", "/api/artist/artists", token, { name }));
    }
    const after = `after=${created.map((c) => c.after).join(",")}&wait=10000`;
    const mine = await api.get(`/api/artist/me/artists?${after}`, token);
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.items.map((a: Body) => [a.name, a.artistId])).toEqual([
      ["Ada", created[1]?.at.id],
      ["Zed", created[0]?.at.id],
    ]);
    // Another artist's catalog is not listed; a listener and nobody are refused.
    const theirs = await api.get("/api/artist/me/artists", otherArtistToken);
    expect(theirs.body.items).toHaveLength(1);
    expect(theirs.body.items.map((a: Body) => a.artistId)).not.toContain(created[0]?.at.id);
    expect((await api.get("/api/artist/me/artists", listenerToken)).status).toBe(403);
    expect((await api.get("/api/artist/me/artists")).status).toBe(401);
  });

  let uploaded: Body;

  it("an upload stores the bytes under their hash, writes one event, and the track read shows it", async () => {
    const [track] = tracks as [string];
    const res = await upload(track, ogg, "audio/ogg");
    expect(res.statusCode, res.body).toBe(202);
    uploaded = res.json();
    expect(uploaded.id).toBe(track);
    expect(uploaded.position).toBe(`${uploaded.topic}:${uploaded.partition}:${uploaded.offset}`);
    expect(uploaded.audio).toMatchObject({
      contentHash: sha256(ogg),
      codec: "vorbis",
      mimeType: "audio/ogg",
      sizeBytes: ogg.length,
      url: `/api/artist/audio/${sha256(ogg)}`,
    });
    expect(Math.abs(uploaded.audio.durationMs - 2_000)).toBeLessThan(100);
    const event = await api.readEvent(uploaded as never);
    expect(event).toMatchObject({
      trackId: track,
      contentHash: sha256(ogg),
      sizeBytes: ogg.length,
    });

    const read = await api.get(`/api/artist/tracks/${track}?after=${uploaded.position}&wait=10000`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({ hasAudio: true, audio: { ...uploaded.audio } });
    const other = await api.get(`/api/artist/tracks/${tracks[1]}`);
    expect(other.body).toMatchObject({ hasAudio: false, audio: null });
    const album = await api.get(`/api/artist/albums/${read.body.albumId}`);
    expect(album.body.tracks.map((t: Body) => t.hasAudio)).toEqual([true, false, false]);
  });

  it("serves the bytes with ranges: whole, first bytes, middle, suffix, open end, 416, 304", async () => {
    const url = uploaded.audio.url as string;
    const get = (headers: Record<string, string> = {}) =>
      api.app.inject({ method: "GET", url, headers: { "accept-encoding": "gzip", ...headers } });
    const size = ogg.length;

    const whole = await get();
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(ogg)).toBe(true);
    expect(whole.headers).toMatchObject({
      "accept-ranges": "bytes",
      "content-type": "audio/ogg",
      "content-length": String(size),
      etag: `"${sha256(ogg)}"`,
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect(whole.headers["content-encoding"]).toBeUndefined();

    const cases: Array<[string, number, number]> = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-1999", 1000, 1999],
      ["bytes=-500", size - 500, size - 1],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      [`bytes=${size - 5}-${size + 100}`, size - 5, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const part = await get({ range });
      expect(part.statusCode, range).toBe(206);
      expect(part.headers["content-range"], range).toBe(`bytes ${start}-${end}/${size}`);
      expect(part.headers["content-length"], range).toBe(String(end - start + 1));
      expect(part.rawPayload.equals(ogg.subarray(start, end + 1)), range).toBe(true);
    }

    const past = await get({ range: `bytes=${size}-` });
    expect(past.statusCode).toBe(416);
    expect(past.headers["content-range"]).toBe(`bytes */${size}`);
    expect(past.json().error.code).toBe("range_not_satisfiable");

    // Not one byte range: ignored, the whole file (RFC 9110 allows it).
    expect((await get({ range: "bytes=0-1,5-6" })).statusCode).toBe(200);
    expect((await get({ range: "bytes=9-2" })).statusCode).toBe(200);
    // If-Range naming another content: the whole (new) file.
    expect((await get({ range: "bytes=0-9", "if-range": '"other"' })).statusCode).toBe(200);
    expect((await get({ "if-none-match": `"${sha256(ogg)}"` })).statusCode).toBe(304);
    expect((await api.get(`/api/artist/audio/${"0".repeat(64)}`)).status).toBe(404);
    expect((await api.get("/api/artist/audio/not-a-hash")).status).toBe(400);
  });

  it("refused uploads write nothing to the log and leave nothing in the store", async () => {
    const admin = createAdmin({
      brokers: inject("endpoints").kafkaBrokers,
      clientId: "audio-test",
    });
    const topic = uploaded.topic as string;
    const ends = async () => (await admin.endOffsets(topic)).join(",");
    try {
      const before = await ends();
      const [, track] = tracks as [string, string];
      const mp3 = await tone(dir, "b.mp3", 2, ["-c:a", "libmp3lame"]);
      const short = await tone(dir, "c.ogg", 0.4, ["-c:a", "libvorbis"]);
      const big = await tone(dir, "d.wav", 5, ["-c:a", "pcm_s16le"]);
      const refusals: Array<[string, Awaited<ReturnType<typeof upload>>, number, string?]> = [
        [
          "text as ogg",
          await upload(track, Buffer.from("OggNot really audio".repeat(50)), "audio/ogg"),
          415,
          "unsupported_audio",
        ],
        ["ogg as mp3", await upload(track, ogg, "audio/mpeg"), 415, "audio_type_mismatch"],
        ["mp3 as wav", await upload(track, mp3, "audio/wav"), 415, "audio_type_mismatch"],
        [
          "header only",
          await upload(track, Buffer.from("OggS"), "audio/ogg"),
          400,
          "unreadable_audio",
        ],
        ["too short", await upload(track, short, "audio/ogg"), 400, "audio_duration"],
        ["too large", await upload(track, big, "audio/wav"), 413, "audio_too_large"],
        ["another's track", await upload(otherTrack, ogg, "audio/ogg"), 403, "not_owner"],
        ["no token", await upload(track, ogg, "audio/ogg", null), 401],
        ["a listener", await upload(track, ogg, "audio/ogg", listenerToken), 403],
        ["no such track", await upload(randomUUID(), ogg, "audio/ogg"), 404],
        [
          "json",
          await api.app.inject({
            method: "POST",
            url: `/api/artist/tracks/${track}/audio`,
            headers: bearer(artistToken),
            payload: { file: "/etc/passwd", hash: "0".repeat(64) },
          }),
          415,
          "unsupported_media_type",
        ],
      ];
      for (const [what, res, status, code] of refusals) {
        expect(res.statusCode, `${what}: ${res.body}`).toBe(status);
        if (code) expect(res.json().error.code, what).toBe(code);
      }
      expect(await ends()).toBe(before);
      // Only the accepted upload's bytes; nothing half-received left behind.
      const prefix = sha256(ogg).slice(0, 2);
      expect((await readdir(mediaDir)).sort()).toEqual(["incoming", prefix].sort());
      expect(await readdir(join(mediaDir, "incoming"))).toEqual([]);
      expect(await readdir(join(mediaDir, prefix))).toEqual([sha256(ogg)]);
      // A WAV under the size limit is taken, and the same bytes again are stored once.
      const wav = await tone(dir, "e.wav", 1.5, ["-ar", "8000", "-c:a", "pcm_u8"]);
      const accepted = await upload(track, wav, "audio/x-wav");
      expect(accepted.statusCode, accepted.body).toBe(202);
      expect(accepted.json().audio).toMatchObject({ mimeType: "audio/wav", codec: "pcm_u8" });
      expect((await upload(tracks[2] as string, ogg, "audio/ogg")).statusCode).toBe(202);
      expect(await readdir(join(mediaDir, prefix))).toEqual([sha256(ogg)]);
    } finally {
      await admin.close();
    }
  });

  it("a rebuilt artist view has the audio again, from the log, without an upload", async () => {
    const [track] = tracks as [string];
    await api.pauseSink("artist");
    const runtime = createSinkRuntime(api.run.endpoints, `vobe-tests-audio-rebuild-${api.run.id}`);
    try {
      const base = `${api.run.schemaPrefix}artist`;
      const live = await listVersions(await runtime.pool("artist"), base);
      const version = Math.max(...live.map((v) => v.version)) + 1;
      await buildVersion(runtime, artistView, {
        schemaPrefix: api.run.schemaPrefix,
        topicPrefix: api.run.topicPrefix,
        version,
        swap: true,
        timeoutMs: 60_000,
      });
      const rows = await api.sql(
        "artist",
        `select audio_hash from ${api.table(`artist_v${version}`, "tracks")} where track_id = '${track}'`,
      );
      expect(rows.rows).toEqual([{ audio_hash: sha256(ogg) }]);
      const read = await api.get(`/api/artist/tracks/${track}`);
      expect(read.body).toMatchObject({ hasAudio: true, audio: { contentHash: sha256(ogg) } });
    } finally {
      await runtime.close();
    }
  }, 90_000);

  it("a like twice is one like; the library is newest first and a second like does not move a track", async () => {
    const [a, b, c] = tracks as [string, string, string];
    const like = (t: string) =>
      api.command("PUT", `/api/listening/tracks/${t}/like`, listenerToken);
    const first = await like(a);
    expect(first.at.id).toBe(a);
    await like(b);
    await like(c);
    await like(a);
    const last = await api.command("DELETE", `/api/listening/tracks/${c}/like`, listenerToken);
    const after = `after=${last.at.position}&wait=10000`;

    const library = await api.get(`/api/listening/me/likes?${after}`, listenerToken);
    expect(library.status, JSON.stringify(library.body)).toBe(200);
    expect(library.body.items.map((i: Body) => i.trackId)).toEqual([b, a]);
    expect(library.body.items[1].likedAt).toBe(
      new Date(first.event.occurredAt as Date).toISOString(),
    );

    const page1 = await api.get(`/api/listening/me/likes?limit=1`, listenerToken);
    expect(page1.body.items.map((i: Body) => i.trackId)).toEqual([b]);
    const page2 = await api.get(
      `/api/listening/me/likes?limit=1&cursor=${page1.body.nextCursor}`,
      listenerToken,
    );
    expect(page2.body).toEqual({
      items: [expect.objectContaining({ trackId: a })],
      nextCursor: null,
    });

    const counts = await api.get(`/api/listening/tracks/${a}/plays?${after}`);
    expect(counts.body.likes).toBe(1);
    const liked = await api.get(`/api/listening/me/liked?trackIds=${a},${c},${b}`, listenerToken);
    expect(liked.body.items.map((i: Body) => [i.trackId, i.liked])).toEqual([
      [a, true],
      [c, false],
      [b, true],
    ]);
    expect((await api.get(`/api/listening/me/likes`)).status).toBe(401);
    const someoneElse = await api.token({ role: "listener" });
    expect((await api.get(`/api/listening/me/likes`, someoneElse)).body.items).toEqual([]);
  });

  it("history and per-track stats: the plays as reported, counted by the processors", async () => {
    const [a, b] = tracks as [string, string];
    const res = await api.app.inject({
      method: "POST",
      url: "/api/listening/plays",
      headers: bearer(listenerToken),
      payload: {
        plays: [
          { trackId: a, listenedMs: 2_000, trackDurationMs: 2_000 },
          { trackId: b, listenedMs: 500, trackDurationMs: 2_000 },
          { trackId: a, listenedMs: 1_000, trackDurationMs: 2_000 },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(202);
    const plays = res.json().plays as Body[];
    expect(new Set(plays.map((p) => p.id)).size).toBe(3);
    const after = `after=${plays.map((p) => p.position).join(",")}&wait=10000`;

    const history = await api.get(`/api/listening/me/history?${after}`, listenerToken);
    expect(history.body.items.map((p: Body) => p.playId).sort()).toEqual(
      plays.map((p) => p.id).sort(),
    );
    const stats = await api.get(`/api/listening/stats/tracks?trackIds=${a},${b}&${after}`);
    expect(stats.status, JSON.stringify(stats.body)).toBe(200);
    expect(stats.body.items).toEqual([
      expect.objectContaining({ trackId: a, plays: 2, completedPlays: 1, trendingRank: null }),
      expect.objectContaining({ trackId: b, plays: 1, completedPlays: 0, likes: 1 }),
    ]);
    expect((await api.get(`/api/listening/stats/tracks?trackIds=nope`)).status).toBe(400);
  });
});
