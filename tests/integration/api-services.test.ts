import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, type Position, startTestApi, type TestApi } from "../support/api-app.ts";
import { written } from "../support/api-events.ts";

/** Each command answers 202 with its event's position, and writes exactly that one event. */
describe("the write API: one command, one event", () => {
  let api: TestApi;
  const artistUser = randomUUID();
  const listenerUser = randomUUID();
  let artistToken: string;
  let listenerToken: string;
  let adminToken: string;

  beforeAll(async () => {
    api = await startTestApi("services");
    artistToken = await api.token({ userId: artistUser, role: "artist" });
    listenerToken = await api.token({ userId: listenerUser, role: "listener" });
    adminToken = await api.token({ role: "admin" });
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** Runs a command and checks: 202, one record, at the position answered, decoded. */
  const command = async (
    method: "POST" | "PATCH" | "PUT" | "DELETE",
    url: string,
    token: string | null,
    payload?: object,
  ) => {
    const { result, records } = await written(api, () =>
      api.app.inject({
        method,
        url,
        headers: { ...(token ? bearer(token) : {}), "x-request-id": "req-42" },
        ...(payload ? { payload } : {}),
      }),
    );
    expect(result.statusCode, result.body).toBe(202);
    const at = result.json() as Position;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      topic: at.topic,
      partition: at.partition,
      offset: at.offset,
    });
    const { record, value } = await api.readRecord(at);
    expect(record.headers.get("correlation-id")?.toString()).toBe("req-42");
    expect((value as { eventId: string }).eventId).toBe(at.eventId);
    return { at, event: value as Record<string, unknown> };
  };

  let artistId: string;
  let albumId: string;
  let trackId: string;
  let postId: string;

  it("artist: creates, updates and deletes artists, albums and tracks of its own catalog", async () => {
    const artist = await command("POST", "/api/artist/artists", artistToken, {
      name: "The Kafkas",
      country: "SE",
      genres: ["post-rock"],
    });
    expect(artist.at.topic).toBe(api.topic("artist.artists"));
    expect(artist.event).toMatchObject({ ownerUserId: artistUser, name: "The Kafkas", bio: null });
    expect(artist.event.actor).toEqual({ userId: artistUser, role: "artist" });
    artistId = String(artist.event.artistId);

    const updated = await command("PATCH", `/api/artist/artists/${artistId}`, artistToken, {
      bio: "From Gothenburg",
    });
    expect(updated.event).toMatchObject({
      name: "The Kafkas",
      country: "SE",
      bio: "From Gothenburg",
    });

    const album = await command("POST", "/api/artist/albums", artistToken, {
      artistId,
      title: "Partitions",
      releaseDate: "2026-05-01",
      genre: "post-rock",
    });
    albumId = String(album.event.albumId);
    expect(album.event).toMatchObject({ artistId, releaseDate: "2026-05-01", coverUrl: null });
    const albumUpdate = await command("PATCH", `/api/artist/albums/${albumId}`, artistToken, {
      coverUrl: "https://img.example.com/p.jpg",
    });
    expect(albumUpdate.event).toMatchObject({
      title: "Partitions",
      coverUrl: "https://img.example.com/p.jpg",
    });

    const track = await command("POST", "/api/artist/tracks", artistToken, {
      albumId,
      title: "Offset Zero",
      durationMs: 200_000,
      trackNumber: 1,
      genre: "post-rock",
    });
    trackId = String(track.event.trackId);
    expect(track.event).toMatchObject({ albumId, artistId, explicit: false });
    const trackUpdate = await command("PATCH", `/api/artist/tracks/${trackId}`, artistToken, {
      explicit: true,
    });
    expect(trackUpdate.event).toMatchObject({
      title: "Offset Zero",
      explicit: true,
      durationMs: 200_000,
    });

    // A second track to delete, then a throwaway album and artist.
    const spare = await command("POST", "/api/artist/tracks", artistToken, {
      albumId,
      title: "Spare",
      durationMs: 1000,
      trackNumber: 2,
      genre: "noise",
    });
    const deleted = await command(
      "DELETE",
      `/api/artist/tracks/${spare.event.trackId}`,
      artistToken,
    );
    expect(deleted.event).toMatchObject({ trackId: spare.event.trackId, albumId, artistId });
    const other = await command("POST", "/api/artist/artists", artistToken, { name: "Other" });
    const removed = await command(
      "DELETE",
      `/api/artist/artists/${other.event.artistId}`,
      artistToken,
    );
    expect(removed.event).toEqual(expect.objectContaining({ artistId: other.event.artistId }));
    const otherAlbum = await command("POST", "/api/artist/albums", artistToken, {
      artistId,
      title: "B-sides",
      releaseDate: "2026-06-01",
      genre: "rock",
    });
    await command("DELETE", `/api/artist/albums/${otherAlbum.event.albumId}`, artistToken);
  });

  it("content: publishes (also for the caller's artist), edits and deletes posts; HTML and SQL are just text", async () => {
    const text = "'; DROP TABLE posts; -- <script>alert(1)</script>\nsecond line";
    const post = await command("POST", "/api/content/posts", artistToken, {
      title: "<b>News</b>",
      body: text,
      artistId,
    });
    expect(post.event).toMatchObject({
      authorId: artistUser,
      artistId,
      title: "<b>News</b>",
      body: text,
    });
    postId = String(post.event.postId);
    const edited = await command("PATCH", `/api/content/posts/${postId}`, artistToken, {
      title: "News",
    });
    expect(edited.event).toMatchObject({ title: "News", body: text, authorId: artistUser });
    const personal = await command("POST", "/api/content/posts", listenerToken, {
      title: "Mine",
      body: "hello",
    });
    expect(personal.event.artistId).toBeNull();
    await command("DELETE", `/api/content/posts/${personal.event.postId}`, listenerToken);
  });

  it("comment: comments and replies on an existing post, edits and deletes own comments", async () => {
    const comment = await command("POST", `/api/comment/posts/${postId}/comments`, listenerToken, {
      body: "Great!",
    });
    expect(comment.event).toMatchObject({ postId, authorId: listenerUser, parentCommentId: null });
    const reply = await command("POST", `/api/comment/posts/${postId}/comments`, artistToken, {
      body: "Thanks",
      parentCommentId: comment.event.commentId,
    });
    expect(reply.event.parentCommentId).toBe(comment.event.commentId);
    const edited = await command(
      "PATCH",
      `/api/comment/comments/${comment.event.commentId}`,
      listenerToken,
      {
        body: "Great!!",
      },
    );
    expect(edited.event).toMatchObject({ postId, body: "Great!!" });
    await command("DELETE", `/api/comment/comments/${reply.event.commentId}`, artistToken);
  });

  it("feedback: anyone submits (token optional), admins triage and resolve", async () => {
    const anonymous = await command("POST", "/api/feedback", null, {
      category: "bug",
      message: "The play button <does nothing>",
      page: "/tracks/1",
    });
    expect(anonymous.event).toMatchObject({ userId: null, category: "bug", page: "/tracks/1" });
    const signedIn = await command("POST", "/api/feedback", listenerToken, {
      category: "idea",
      message: "Dark mode",
    });
    expect(signedIn.event.userId).toBe(listenerUser);
    const id = anonymous.event.feedbackId;
    const triaged = await command("POST", `/api/feedback/${id}/triage`, adminToken, {
      priority: "high",
      note: "reproduced",
    });
    expect(triaged.event).toMatchObject({ feedbackId: id, priority: "high", assigneeId: null });
    const resolved = await command("POST", `/api/feedback/${id}/resolve`, adminToken, {
      resolution: "fixed",
    });
    expect(resolved.event).toMatchObject({ resolution: "fixed", note: null });
  });

  it("listening: a batch of plays is one TrackPlayed per play, all in one transaction", async () => {
    // Back-dated, within the 30 days a play may be reported late (api/listening/commands.ts).
    const playedAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 2 * 86_400_000).toISOString();
    const { result, records } = await written(api, () =>
      api.app.inject({
        method: "POST",
        url: "/api/listening/plays",
        headers: bearer(listenerToken),
        payload: {
          plays: [
            { trackId, listenedMs: 199_000, trackDurationMs: 200_000, playedAt },
            { trackId, listenedMs: 30_000, trackDurationMs: 200_000 },
            { trackId, listenedMs: 0, trackDurationMs: 200_000 },
          ],
        },
      }),
    );
    expect(result.statusCode, result.body).toBe(202);
    const { plays } = result.json() as { plays: Position[] };
    expect(plays).toHaveLength(3);
    expect(records).toHaveLength(3);
    const events = await Promise.all(plays.map((p) => api.readEvent(p)));
    expect(events.map((e) => e.completed)).toEqual([true, false, false]);
    expect(events[0]).toMatchObject({ trackId, userId: listenerUser, source: "web" });
    expect(events[0]?.occurredAt).toEqual(new Date(playedAt));
  });

  it("listening: likes and unlikes an existing track", async () => {
    const liked = await command("PUT", `/api/listening/tracks/${trackId}/like`, listenerToken);
    expect(liked.event).toMatchObject({ trackId, userId: listenerUser });
    expect(liked.at.topic).toBe(api.topic("listening.likes"));
    const unliked = await command("DELETE", `/api/listening/tracks/${trackId}/like`, listenerToken);
    expect(unliked.event).toMatchObject({ trackId, userId: listenerUser });
  });

  it("chat: a message becomes ChatMessageSent keyed by its conversation", async () => {
    const conversationId = randomUUID();
    const sent = await command(
      "POST",
      `/api/chat/conversations/${conversationId}/messages`,
      listenerToken,
      { text: "Recommend me something like Sigur Rós" },
    );
    expect(sent.event).toMatchObject({ conversationId, userId: listenerUser });
    const { record } = await api.readRecord(sent.at);
    expect(record.key?.toString()).toBe(conversationId);
  });

  it("serves the OpenAPI document built from the route schemas", async () => {
    const res = await api.app.inject({ method: "GET", url: "/api/openapi.json" });
    const doc = res.json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/auth/signup",
        "/api/artist/tracks/{id}",
        "/api/listening/plays",
        "/api/chat/conversations/{conversationId}/messages",
      ]),
    );
  });
});
