import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxTracksPerStream } from "../../api/live/index.ts";
import { type LiveApi, startLiveApi } from "../support/api-live-app.ts";
import { eventually } from "../support/streams.ts";

let live: LiveApi;

beforeAll(async () => {
  live = await startLiveApi("sse", { maxSubscribers: 3, heartbeatMs: 300 });
});

afterAll(async () => {
  await live?.stop();
});

describe("live updates (SSE)", () => {
  it("streams a post's new, edited and deleted comments, and nothing of other posts", async () => {
    const postId = randomUUID();
    const otherPost = randomUUID();
    const stream = await live.open(`/api/live/posts/${postId}/comments`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);

    const commentId = randomUUID();
    const authorId = randomUUID();
    const began = Date.now();
    await live.events.publish(
      live.types.CommentAdded,
      randomUUID(),
      {
        commentId: randomUUID(),
        postId: otherPost,
        authorId,
        body: "elsewhere",
        parentCommentId: null,
      },
      live.context,
    );
    await live.events.publish(
      live.types.CommentAdded,
      commentId,
      { commentId, postId, authorId, body: "first!", parentCommentId: null },
      live.context,
    );
    const added = await stream.next(undefined, 5_000);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(added.event).toBe("comment.added");
    expect(added.data).toMatchObject({
      commentId,
      postId,
      authorId,
      body: "first!",
      parentCommentId: null,
    });
    expect(added.id).toMatch(
      new RegExp(`^${live.types.CommentAdded.topic.replaceAll(".", "\\.")}:\\d+:\\d+$`),
    );

    await live.events.publish(
      live.types.CommentEdited,
      commentId,
      { commentId, postId, authorId, body: "second" },
      live.context,
    );
    await live.events.publish(
      live.types.CommentDeleted,
      commentId,
      { commentId, postId, authorId },
      live.context,
    );
    expect((await stream.next(undefined, 5_000)).data).toMatchObject({ body: "second" });
    expect((await stream.next(undefined, 5_000)).event).toBe("comment.deleted");

    // Heartbeats keep the stream alive (every 300 ms here, 15 s by default).
    await eventually(
      async () => stream.comments.filter((c) => c === "heartbeat").length,
      (n) => n >= 1,
      5_000,
    );
    stream.close();
  });

  it("streams play counts of the tracks asked for", async () => {
    const [t1, t2, t3] = [randomUUID(), randomUUID(), randomUUID()];
    const stream = await live.open(`/api/live/plays?tracks=${t1},${t2}`);
    expect(stream.status).toBe(200);
    await live.events.publish(
      live.types.TrackPlayCount,
      t3,
      { trackId: t3, plays: 9, completedPlays: 0, listenedMs: 0, lastPlayedAt: null },
      live.context,
    );
    await live.events.publish(
      live.types.TrackPlayCount,
      t2,
      { trackId: t2, plays: 42, completedPlays: 0, listenedMs: 0, lastPlayedAt: null },
      live.context,
    );
    const message = await stream.next("plays", 5_000);
    expect(message.data).toMatchObject({ trackId: t2, plays: 42 });
    stream.close();
  });

  it("frees the subscription on disconnect and bounds the number of streams", async () => {
    await eventually(
      async () => live.follower.stats().subscribers,
      (n) => n === 0,
      5_000,
    );
    const postId = randomUUID();
    const open = await Promise.all(
      [1, 2, 3].map(() => live.open(`/api/live/posts/${postId}/comments`)),
    );
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    expect(live.follower.stats()).toMatchObject({ subscribers: 3, keys: 1 });

    const refused = await live.open(`/api/live/posts/${postId}/comments`);
    expect(refused.status).toBe(503);

    for (const s of open) s.close();
    const after = await eventually(
      async () => live.follower.stats(),
      (s) => s.subscribers === 0,
      5_000,
    );
    expect(after).toMatchObject({ subscribers: 0, keys: 0 });
    const again = await live.open(`/api/live/posts/${postId}/comments`);
    expect(again.status).toBe(200);
    again.close();
  });

  it("refuses a malformed track list, and one longer than a screen's tracks", async () => {
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID()).join(",");
    for (const tracks of ["not-a-uuid", `${randomUUID()},`, ids(maxTracksPerStream + 1)]) {
      const res = await fetch(`${live.address}/api/live/plays?tracks=${tracks}`);
      expect(res.status, tracks.slice(0, 40)).toBe(400);
      const { error } = (await res.json()) as {
        error: { code: string; fields: { path: string }[] };
      };
      expect(error.code).toBe("invalid_request");
      expect([...new Set(error.fields.map((f) => f.path))]).toEqual(["querystring.tracks"]);
    }
  });
});
