/**
 * The read routes against the real stack: commands through the write API, the sinks
 * materializing the views (the run's own schemas), reads through the read routes.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Body, type ReadApi, startReadApi } from "../support/api-read-app.ts";
import { eventually } from "../support/streams.ts";

describe("the read API over the Postgres views", () => {
  let api: ReadApi;
  let artistUser: string;
  let artistToken: string;
  let listenerId: string;
  let listenerToken: string;
  let otherToken: string;
  let adminToken: string;

  beforeAll(async () => {
    api = await startReadApi("views");
    artistUser = randomUUID();
    listenerId = randomUUID();
    artistToken = await api.token({ userId: artistUser, role: "artist" });
    listenerToken = await api.token({ userId: listenerId, role: "listener" });
    otherToken = await api.token({ role: "listener" });
    adminToken = await api.token({ role: "admin" });
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** An artist, an album, and tracks numbered 2, 1, 3 (created out of order). */
  const catalog = async (name: string) => {
    const a = await api.command("POST", "/api/artist/artists", artistToken, {
      name,
      genres: ["pop"],
    });
    const artistId = a.event.artistId as string;
    const al = await api.command("POST", "/api/artist/albums", artistToken, {
      artistId,
      title: `${name}: the album`,
      releaseDate: "1997-09-22",
      genre: "electronic",
    });
    const albumId = al.event.albumId as string;
    const tracks: Array<{ id: string; after: string }> = [];
    for (const n of [2, 1, 3]) {
      const t = await api.command("POST", "/api/artist/tracks", artistToken, {
        albumId,
        title: `Track ${n}`,
        durationMs: 200_000,
        trackNumber: n,
        genre: "electronic",
      });
      tracks.push({ id: t.event.trackId as string, after: t.after });
    }
    return { artistId, albumId, tracks, after: [a.after, al.after, ...tracks.map((t) => t.after)] };
  };

  it("auth: the caller's profile and public profiles, read after the sign-up; erased users are gone", async () => {
    const username = `ana_${randomUUID().slice(0, 8)}`;
    const signup = await api.app.inject({
      method: "POST",
      url: "/api/auth/signup",
      payload: {
        username,
        email: `${username}@example.com`,
        password: "correct horse battery",
        displayName: "Ana Ö",
        role: "listener",
      },
    });
    expect(signup.statusCode, signup.body).toBe(201);
    const { userId, events } = signup.json() as {
      userId: string;
      events: Array<{ type: string; topic: string; partition: number; offset: string }>;
    };
    // The sign-up also writes identity claims, a topic the auth view does not read.
    const registered = events.find((e) => e.topic.endsWith("auth.users"));
    expect(registered).toBeDefined();
    const after = api.position(registered as { topic: string; partition: number; offset: string });

    const login = await api.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { usernameOrEmail: username, password: "correct horse battery" },
    });
    expect(login.statusCode, login.body).toBe(200);
    const token = (login.json() as { token: string }).token;

    const me = await api.get(`/api/auth/me?after=${after}`, token);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body).toMatchObject({ userId, username, displayName: "Ana Ö", role: "listener" });
    expect(me.body).not.toHaveProperty("email");
    expect(me.body).not.toHaveProperty("emailSha256");
    expect((await api.get("/api/auth/me")).status).toBe(401);

    const profile = await api.get(`/api/auth/users/${username.toUpperCase()}?after=${after}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({
      userId,
      username,
      displayName: "Ana Ö",
      role: "listener",
      bio: null,
      avatarUrl: null,
      registeredAt: expect.any(String),
    });
    const missing = await api.get("/api/auth/users/nobody_here");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");

    const erased = await api.command("DELETE", "/api/auth/me", token);
    expect((await api.get(`/api/auth/users/${username}?after=${erased.after}`)).status).toBe(404);
    // The erased account's token is refused outright (docs/adr/019-erasure.md).
    expect((await api.get(`/api/auth/me?after=${erased.after}`, token)).status).toBe(401);
  });

  it("artist: an artist with albums, an album with its tracks in order, 404s, artists by name in pages", async () => {
    const c = await catalog(`Björk ${randomUUID().slice(0, 6)}`);
    const after = c.after.join(",");

    const album = await api.get(`/api/artist/albums/${c.albumId}?after=${after}`);
    expect(album.status, JSON.stringify(album.body)).toBe(200);
    expect(album.body.releaseDate).toBe("1997-09-22");
    expect(album.body.tracks.map((t: { trackNumber: number }) => t.trackNumber)).toEqual([1, 2, 3]);

    const artist = await api.get(`/api/artist/artists/${c.artistId}`);
    expect(artist.status).toBe(200);
    expect(artist.body).toMatchObject({
      artistId: c.artistId,
      ownerUserId: artistUser,
      genres: ["pop"],
    });
    expect(artist.body.albums).toHaveLength(1);

    const [first] = c.tracks;
    expect((await api.get(`/api/artist/tracks/${first?.id}`)).body).toMatchObject({
      trackId: first?.id,
      albumId: c.albumId,
      artistId: c.artistId,
      durationMs: 200_000,
      explicit: false,
    });
    for (const url of [
      `/api/artist/tracks/${randomUUID()}`,
      `/api/artist/albums/${randomUUID()}`,
      `/api/artist/artists/${randomUUID()}`,
    ]) {
      const res = await api.get(url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await api.get("/api/artist/tracks/not-a-uuid")).status).toBe(400);

    const removed = await api.command("DELETE", `/api/artist/tracks/${first?.id}`, artistToken);
    expect((await api.get(`/api/artist/tracks/${first?.id}?after=${removed.after}`)).status).toBe(
      404,
    );
    const shorter = await api.get(`/api/artist/albums/${c.albumId}`);
    expect(shorter.body.tracks).toHaveLength(2);

    // Several tracks by id: in the order asked, the deleted and the unknown left out, once each.
    const [, second, third] = c.tracks;
    const asked = [third?.id, first?.id, randomUUID(), second?.id, third?.id].join(",");
    const several = await api.get(`/api/artist/tracks?ids=${asked.toUpperCase()}`);
    expect(several.status, JSON.stringify(several.body)).toBe(200);
    expect(several.body.items.map((t: { trackId: string }) => t.trackId)).toEqual([
      third?.id,
      second?.id,
    ]);
    expect(several.body.items[0]).toEqual((await api.get(`/api/artist/tracks/${third?.id}`)).body);
    for (const ids of ["", "not-a-uuid", `${second?.id},`, Array(101).fill(second?.id).join(",")]) {
      expect((await api.get(`/api/artist/tracks?ids=${ids}`)).status, ids.slice(0, 40)).toBe(400);
    }

    // Artists by name, in pages of 2.
    const names = ["delta", "Alpha", "charlie", "bravo", "echo"].map(
      (n) => `${n} ${randomUUID().slice(0, 4)}`,
    );
    const made: string[] = [];
    for (const name of names) {
      made.push((await api.command("POST", "/api/artist/artists", artistToken, { name })).after);
    }
    const seen: Array<{ name: string; artistId: string }> = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: Body } = await api.get(
        `/api/artist/artists?limit=2&after=${made.join(",")}${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toHaveLength(6); // Björk … and the five
    expect(new Set(seen.map((a) => a.artistId)).size).toBe(6);
    const { rows } = await api.sql(
      "artist",
      `select name from ${api.table("artist", "artists")} where not deleted order by name, artist_id`,
    );
    expect(seen.map((a) => a.name)).toEqual(rows.map((r) => r.name));
  });

  it("content: the feed pages newest first, stable while new posts arrive; deleted posts are gone", async () => {
    const published: string[] = [];
    const afters: string[] = [];
    for (let i = 0; i < 7; i++) {
      const p = await api.command("POST", "/api/content/posts", listenerToken, {
        title: `Post ${i}`,
        body: `body ${i}`,
      });
      published.push(p.event.postId as string);
      afters.push(p.after);
    }

    const feed = async (query: string) => {
      const res = await api.get(`/api/content/posts?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as {
        items: Array<{ postId: string; publishedAt: string }>;
        nextCursor: string | null;
      };
    };
    const first = await feed(`limit=3&after=${afters.join(",")}`);
    expect(first.items.map((p) => p.postId)).toEqual(published.slice(-3).reverse());

    // New posts arrive between pages: the following pages neither repeat nor skip.
    const later: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await api.command("POST", "/api/content/posts", listenerToken, {
        title: `Later ${i}`,
        body: "new",
      });
      later.push(p.after);
    }
    const collected = [...first.items];
    let cursor = first.nextCursor;
    while (cursor) {
      const next = await feed(`limit=3&cursor=${cursor}&after=${later.join(",")}`);
      collected.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(collected.map((p) => p.postId)).toEqual([...published].reverse());
    // Newest first, by (publishedAt, postId).
    for (let i = 1; i < collected.length; i++) {
      const [a, b] = [collected[i - 1], collected[i]] as [
        (typeof collected)[0],
        (typeof collected)[0],
      ];
      expect(a.publishedAt >= b.publishedAt).toBe(true);
    }
    const fresh = await feed("limit=100");
    expect(fresh.items).toHaveLength(10);
    expect(fresh.nextCursor).toBeNull();

    const [victim] = published;
    const post = await api.get(`/api/content/posts/${victim}`);
    expect(post.body).toMatchObject({
      postId: victim,
      authorId: listenerId,
      title: "Post 0",
      editedAt: null,
    });
    const deleted = await api.command("DELETE", `/api/content/posts/${victim}`, listenerToken);
    expect((await api.get(`/api/content/posts/${victim}?after=${deleted.after}`)).status).toBe(404);
    const afterDelete = await feed("limit=100");
    expect(afterDelete.items.map((p) => p.postId)).not.toContain(victim);
    expect(afterDelete.items).toHaveLength(9);
  });

  it("artist: new releases page newest release date first, with the artist's name; future and deleted albums are left out", async () => {
    const name = `Releases ${randomUUID().slice(0, 6)}`;
    const a = await api.command("POST", "/api/artist/artists", artistToken, { name });
    const artistId = a.event.artistId as string;
    const made: Record<string, { id: string; after: string }> = {};
    // Created out of date order; two on the same day are ordered by album id.
    for (const [title, releaseDate] of [
      ["middle", "2003-05-01"],
      ["newest", "2019-11-30"],
      ["oldest", "1988-02-14"],
      ["newest too", "2019-11-30"],
      ["not yet", "2999-01-01"],
      ["deleted", "2021-06-01"],
    ]) {
      const al = await api.command("POST", "/api/artist/albums", artistToken, {
        artistId,
        title: `${name}: ${title}`,
        releaseDate,
        genre: "jazz",
      });
      made[title as string] = { id: al.event.albumId as string, after: al.after };
    }
    const deleted = await api.command(
      "DELETE",
      `/api/artist/albums/${made.deleted?.id}`,
      artistToken,
    );

    type Release = { albumId: string; artistName: string; releaseDate: string; title: string };
    const seen: Release[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: Body } = await api.get(
        `/api/artist/albums?limit=2&after=${deleted.after}${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);

    // This artist's albums, in order: newest release first, the same day by album id.
    const sameDay = [made.newest?.id, made["newest too"]?.id].sort().reverse();
    const mine = seen.filter((r) => r.artistName === name);
    expect(mine.map((r) => r.albumId)).toEqual([...sameDay, made.middle?.id, made.oldest?.id]);
    expect(mine.map((r) => r.releaseDate)).toEqual([
      "2019-11-30",
      "2019-11-30",
      "2003-05-01",
      "1988-02-14",
    ]);
    // The whole list is the view's albums released by today, in that order, each once.
    const { rows } = await api.sql(
      "artist",
      `select album_id from ${api.table("artist", "albums")}
        where not deleted and release_date <= current_date
        order by release_date desc, album_id desc`,
    );
    expect(seen.map((r) => r.albumId)).toEqual(rows.map((r) => r.album_id));
    expect(seen.map((r) => r.albumId)).not.toContain(made["not yet"]?.id);
    expect(seen.map((r) => r.albumId)).not.toContain(made.deleted?.id);

    // A cursor of another list is refused.
    const feed = await api.get("/api/content/posts?limit=1");
    const refused = await api.get(`/api/artist/albums?cursor=${feed.body.nextCursor}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("invalid_cursor");
  });

  it("content: an artist's posts (artistId), newest first in pages; not other artists' nor personal posts", async () => {
    const artists: string[] = [];
    for (const n of ["one", "two"]) {
      const a = await api.command("POST", "/api/artist/artists", artistToken, {
        name: `Poster ${n} ${randomUUID().slice(0, 4)}`,
      });
      artists.push(a.event.artistId as string);
    }
    const [one, two] = artists as [string, string];
    const ofOne: string[] = [];
    const afters: string[] = [];
    for (const [i, artistId] of [one, two, one, undefined, one].entries()) {
      const p = await api.command("POST", "/api/content/posts", artistToken, {
        title: `As ${artistId ?? "myself"} ${i}`,
        body: "news",
        ...(artistId ? { artistId } : {}),
      });
      if (artistId === one) ofOne.push(p.event.postId as string);
      afters.push(p.after);
    }

    const pageOf = async (query: string) => {
      const res = await api.get(`/api/content/posts?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as {
        items: Array<{ postId: string; artistId: string | null }>;
        nextCursor: string | null;
      };
    };
    const first = await pageOf(`artistId=${one}&limit=2&after=${afters.join(",")}`);
    expect(first.items.map((p) => p.postId)).toEqual(ofOne.slice(-2).reverse());
    expect(first.nextCursor).not.toBeNull();
    const second = await pageOf(`artistId=${one}&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((p) => p.postId)).toEqual([ofOne[0]]);
    expect(second.nextCursor).toBeNull();
    expect((await pageOf(`artistId=${two}`)).items).toHaveLength(1);
    expect((await pageOf(`artistId=${randomUUID()}`)).items).toEqual([]);

    // The artist's list and the whole feed do not share cursors.
    const whole = await pageOf("limit=1");
    const mixed = await api.get(`/api/content/posts?artistId=${one}&cursor=${whole.nextCursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.code).toBe("invalid_cursor");
    expect((await api.get("/api/content/posts?artistId=not-a-uuid")).status).toBe(400);
  });

  it("comment: read-your-writes: with after the new comment is there; a view that cannot get there answers 504", async () => {
    const post = await api.command("POST", "/api/content/posts", artistToken, {
      title: "t",
      body: "b",
    });
    const postId = post.event.postId as string;
    const url = `/api/comment/posts/${postId}/comments`;

    // The comment view is stopped: the position cannot be reached.
    await api.pauseSink("comment");
    const c1 = await api.command("POST", url, listenerToken, { body: "first!" });
    const behind = await api.get(`${url}?after=${c1.after}&wait=300`);
    expect(behind.status).toBe(504);
    expect(behind.body.error).toMatchObject({
      code: "position_not_reached",
      view: "comment",
      unreached: [
        {
          position: c1.after,
          topic: c1.at.topic,
          partition: c1.at.partition,
          offset: c1.at.offset,
        },
      ],
    });
    // Without after the route answers at once, whatever the view has (here: not the comment).
    const now = await api.get(url);
    expect(now.status).toBe(200);
    expect(now.body.items).toEqual([]);

    await api.resumeSink("comment");
    const seen = await api.get(`${url}?after=${c1.after}`);
    expect(seen.status).toBe(200);
    expect(seen.body.items).toEqual([
      {
        commentId: c1.event.commentId,
        postId,
        authorId: listenerId,
        parentCommentId: null,
        body: "first!",
        createdAt: expect.any(String),
        editedAt: null,
      },
    ]);

    // Oldest first, in pages; deleted ones left out.
    const c2 = await api.command("POST", url, artistToken, { body: "second" });
    const c3 = await api.command("POST", url, listenerToken, {
      body: "third",
      parentCommentId: c1.event.commentId as string,
    });
    const gone = await api.command(
      "DELETE",
      `/api/comment/comments/${c2.event.commentId}`,
      artistToken,
    );
    const page1 = await api.get(`${url}?limit=1&after=${[c3.after, gone.after].join(",")}`);
    expect(page1.body.items.map((c: { body: string }) => c.body)).toEqual(["first!"]);
    const page2 = await api.get(`${url}?limit=1&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((c: { body: string }) => c.body)).toEqual(["third"]);
    expect(page2.body.nextCursor).toBeNull();

    // Another post has no comments; a post the comment view never heard of neither.
    expect((await api.get(`/api/comment/posts/${randomUUID()}/comments`)).body).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it("feedback: the triage list is for admins, filtered by status", async () => {
    const sent = await api.command("POST", "/api/feedback", null, {
      category: "bug",
      message: "the play button sticks",
      page: "/player",
    });
    const feedbackId = sent.event.feedbackId as string;
    expect((await api.get("/api/feedback")).status).toBe(401);
    const refused = await api.get("/api/feedback", listenerToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("role_forbidden");

    const submitted = await api.get(
      `/api/feedback?status=submitted&after=${sent.after}`,
      adminToken,
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body.items).toEqual([
      expect.objectContaining({
        feedbackId,
        userId: null,
        category: "bug",
        status: "submitted",
        page: "/player",
      }),
    ]);
    const triaged = await api.command("POST", `/api/feedback/${feedbackId}/triage`, adminToken, {
      priority: "high",
    });
    const list = await api.get(`/api/feedback?status=triaged&after=${triaged.after}`, adminToken);
    expect(list.body.items).toEqual([
      expect.objectContaining({ feedbackId, status: "triaged", priority: "high" }),
    ]);
    expect((await api.get("/api/feedback?status=submitted", adminToken)).body.items).toEqual([]);
    expect((await api.get("/api/feedback?status=lost", adminToken)).status).toBe(400);
  });

  it("listening: the processors' play counts, hourly counts and trending list; my history in pages", async () => {
    const c = await catalog(`Plays ${randomUUID().slice(0, 6)}`);
    const [hit, other] = c.tracks.map((t) => t.id) as [string, string];
    // Whole hours in the past: the first hour (and the trending hop ending with it) closes
    // when each track's partition sees the plays two hours later.
    const hour = 3_600_000;
    const early = Math.floor(Date.now() / hour) * hour - 3 * hour;
    const at = (ms: number) => new Date(ms).toISOString();
    const report = async (plays: object[]) => {
      const res = await api.app.inject({
        method: "POST",
        url: "/api/listening/plays",
        headers: { authorization: `Bearer ${listenerToken}` },
        payload: { plays },
      });
      expect(res.statusCode, res.body).toBe(202);
      return (res.json() as { plays: Array<{ topic: string; partition: number; offset: string }> })
        .plays;
    };
    await report([
      { trackId: hit, listenedMs: 200_000, trackDurationMs: 200_000, playedAt: at(early + 1_000) },
      { trackId: hit, listenedMs: 1_000, trackDurationMs: 200_000, playedAt: at(early + 2_000) },
      { trackId: other, listenedMs: 5_000, trackDurationMs: 200_000, playedAt: at(early + 3_000) },
    ]);
    const plays = await report([
      {
        trackId: hit,
        listenedMs: 10_000,
        trackDurationMs: 200_000,
        playedAt: at(early + 2 * hour),
      },
      {
        trackId: other,
        listenedMs: 10_000,
        trackDurationMs: 200_000,
        playedAt: at(early + 2 * hour),
      },
    ]);
    const after = plays.map((p) => api.position(p)).join(",");

    // Read-your-writes through vobe-plays-per-track and the view's derived table.
    const counts = await api.get(`/api/listening/tracks/${hit}/plays?after=${after}&wait=10000`);
    expect(counts.status, JSON.stringify(counts.body)).toBe(200);
    expect(counts.body).toEqual({
      trackId: hit,
      plays: 3,
      completedPlays: 1,
      listenedMs: 211_000,
      likes: 0,
      lastPlayedAt: at(early + 2 * hour),
    });
    expect((await api.get(`/api/listening/tracks/${randomUUID()}/plays`)).body).toMatchObject({
      plays: 0,
      lastPlayedAt: null,
    });

    const hourly = await api.get(`/api/listening/tracks/${hit}/hourly?after=${after}&wait=10000`);
    expect(hourly.body).toEqual({
      items: [{ windowStart: at(early), windowEnd: at(early + hour), plays: 2 }],
      nextCursor: null,
    });

    // The list is written by the topology's second step (after a repartition): polled.
    const trending = await eventually(
      () => api.get("/api/listening/trending"),
      (r) => r.body.items?.length === 2,
      20_000,
    );
    expect(trending.body).toEqual({
      source: "listening.trending",
      windowStart: at(early),
      windowEnd: at(early + hour),
      items: [
        { rank: 1, trackId: hit, plays: 2 },
        { rank: 2, trackId: other, plays: 1 },
      ],
    });
    expect((await api.get("/api/listening/trending?limit=1")).body.items).toHaveLength(1);
    expect((await api.get("/api/listening/trending?windowMinutes=60")).status).toBe(400);

    expect((await api.get("/api/listening/me/history")).status).toBe(401);
    const page1 = await api.get(`/api/listening/me/history?limit=3&after=${after}`, listenerToken);
    expect(page1.body.items).toHaveLength(3);
    const page2 = await api.get(
      `/api/listening/me/history?limit=3&cursor=${page1.body.nextCursor}`,
      listenerToken,
    );
    expect(page2.body.items).toHaveLength(2);
    expect(page2.body.nextCursor).toBeNull();
    const ids = [...page1.body.items, ...page2.body.items].map((p: { playId: string }) => p.playId);
    expect(new Set(ids).size).toBe(5);
    expect((await api.get("/api/listening/me/history", otherToken)).body.items).toEqual([]);
  });

  it("chat: my conversations and their messages; another's conversation is not found", async () => {
    const conversationId = randomUUID();
    const sent = await api.command(
      "POST",
      `/api/chat/conversations/${conversationId}/messages`,
      listenerToken,
      {
        text: "Recommend me something like Sigur Rós",
      },
    );
    const mine = await api.get(`/api/chat/conversations?after=${sent.after}`, listenerToken);
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([expect.objectContaining({ conversationId, messages: 1 })]);
    const messages = await api.get(
      `/api/chat/conversations/${conversationId}/messages`,
      listenerToken,
    );
    expect(messages.body.items).toEqual([
      expect.objectContaining({
        kind: "user",
        userId: listenerId,
        text: "Recommend me something like Sigur Rós",
      }),
    ]);
    expect(
      (await api.get(`/api/chat/conversations/${conversationId}/messages`, otherToken)).status,
    ).toBe(404);
    expect((await api.get("/api/chat/conversations", otherToken)).body.items).toEqual([]);
    expect((await api.get("/api/chat/conversations")).status).toBe(401);
  });

  it("refuses bad cursors, positions, limits and unknown parameters with 400", async () => {
    const feed = await api.get("/api/content/posts?limit=1");
    const feedCursor = feed.body.nextCursor as string;
    expect(feedCursor, JSON.stringify(feed.body)).toEqual(expect.any(String));
    const postId = randomUUID();
    const cases: Array<[string, string]> = [
      ["/api/content/posts?cursor=not-a-cursor", "invalid_cursor"],
      [`/api/comment/posts/${postId}/comments?cursor=${feedCursor}`, "invalid_cursor"],
      ["/api/content/posts?after=nonsense", "invalid_position"],
      ["/api/content/posts?after=a:b:c", "invalid_position"],
      // A partition the topic does not have: it could never be reached (not a 504).
      [`/api/content/posts?after=${api.run.topicPrefix}content.posts:99:0`, "invalid_position"],
      // Neither read by the content view nor an input of what it reads (comments are:
      // through the comment counts and the post details).
      [
        `/api/content/posts?after=${api.run.topicPrefix}feedback.feedback:0:1`,
        "position_not_in_view",
      ],
      ["/api/content/posts?limit=0", "invalid_request"],
      ["/api/content/posts?limit=101", "invalid_request"],
      ["/api/content/posts?wait=20000", "invalid_request"],
      ["/api/content/posts?page=2", "invalid_request"],
    ];
    for (const [url, code] of cases) {
      const res = await api.get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code, url).toBe(code);
    }
    // A cursor with a forged sort key never reaches SQL.
    const forged = Buffer.from(JSON.stringify({ l: "feed", k: "yesterday", id: postId })).toString(
      "base64url",
    );
    expect((await api.get(`/api/content/posts?cursor=${forged}`)).body.error.code).toBe(
      "invalid_cursor",
    );
  });

  it("a view that does not exist answers 503 view_unavailable, not 500", async () => {
    const app = await api.otherApp({ schemaPrefix: "t_nothing_here_" });
    try {
      const res = await app.inject({ method: "GET", url: "/api/content/posts" });
      expect(res.statusCode).toBe(503);
      expect((res.json() as { error: { code: string } }).error.code).toBe("view_unavailable");
    } finally {
      await app.close();
    }
  });
});
