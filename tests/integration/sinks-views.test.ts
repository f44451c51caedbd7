import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { databaseUrlFor } from "../../platform/config/endpoints.ts";
import { createProducer } from "../../platform/kafka/index.ts";
import type { Pool } from "../../platform/postgres/pool.ts";
import { eventHeaders } from "../../producers/index.ts";
import * as artist from "../../schemas/generated/artist.ts";
import * as auth from "../../schemas/generated/auth.ts";
import * as chat from "../../schemas/generated/chat.ts";
import * as comment from "../../schemas/generated/comment.ts";
import * as content from "../../schemas/generated/content.ts";
import * as feedback from "../../schemas/generated/feedback.ts";
import * as listening from "../../schemas/generated/listening.ts";
import {
  dlqHeaders,
  listVersions,
  positionsChannel,
  quote,
  versionSchema,
} from "../../sinks/engine/index.ts";
import { emailDigest } from "../../sinks/postgres/auth/view.ts";
import {
  baseOf,
  buildVersion,
  createSinkRuntime,
  type ServedSinks,
  type SinkRuntime,
  serveSinks,
} from "../../sinks/runtime.ts";
import { postgresViews } from "../../sinks/views.ts";
import { readTopic } from "../support/kafka.ts";
import {
  applyTopics,
  cleanup,
  context,
  prefixed,
  sinkTestRun,
  testEvents,
  viewPool,
} from "../support/sinks-fixtures.ts";
import { eventually } from "../support/streams.ts";

const run = sinkTestRun(inject("endpoints"), "views");
const views = postgresViews;
const base = (name: string) => `${run.schemaPrefix}${name}`;
const placement = { schemaPrefix: run.schemaPrefix, topicPrefix: run.topicPrefix, maxWaitMs: 100 };

const id = () => randomUUID();
const u1 = id();
const u2 = id();
const a1 = id();
const a2 = id();
const al1 = id();
const t1 = id();
const t2 = id();
const p1 = id();
const p2 = id();
const c1 = id();
const c2 = id();
const f1 = id();
const f2 = id();
const conv = id();
const m1 = id();
const r1 = id();
const listener = id();
const playTracks = [id(), id(), id()];

type Snapshot = Record<string, Record<string, unknown>[]>;

describe("the Postgres sinks, against the real stack", () => {
  const { producer, events } = testEvents(run);
  const pools = new Map<string, Pool>();
  let runtime: SinkRuntime;
  let served: ServedSinks;
  let playsSent = 0;

  const pool = (db: string) => pools.get(db) as Pool;
  const q = async (db: string, sql: string) => (await pool(db).query(sql)).rows;
  const catchUp = async () => {
    for (const sink of served.sinks()) await sink.catchUp(30_000);
  };
  const play = (trackId: string, listenedMs = 30_000, completed = false) => {
    playsSent += 1;
    const playId = id();
    return events.publish(
      prefixed(run, listening.TrackPlayed),
      trackId,
      {
        playId,
        trackId,
        userId: listener,
        listenedMs,
        trackDurationMs: 180_000,
        completed,
        source: "simulator",
      },
      context,
    );
  };

  /** Every table and view of every stable schema, sink_offsets aside. */
  const snapshot = async (): Promise<Snapshot> => {
    const out: Snapshot = {};
    for (const view of views) {
      const { rows } = await pool(view.database).query<{ table_name: string }>(
        `select table_name from information_schema.views where table_schema = $1 and table_name <> 'sink_offsets' order by 1`,
        [base(view.name)],
      );
      for (const { table_name } of rows) {
        out[`${view.name}.${table_name}`] = await q(
          view.database,
          `select * from ${quote(base(view.name))}.${quote(table_name)} order by 1, 2`,
        );
      }
    }
    return out;
  };

  const offsetsOf = async (viewName: string, schema: string) =>
    (
      await pool(views.find((v) => v.name === viewName)?.database as string).query(
        `select topic, partition, next_offset from ${quote(schema)}.sink_offsets order by 1, 2`,
      )
    ).rows;

  beforeAll(async () => {
    await applyTopics(run, views);
    for (const v of views) pools.set(v.database, await viewPool(run, v.database));
    const P = <T>(t: import("../../schemas/event-type.ts").EventType<T>) => prefixed(run, t);

    await events.publish(
      P(auth.UserRegistered),
      u1,
      {
        userId: u1,
        username: "Ana",
        email: "Ana@Example.com",
        displayName: "Ana Ö",
        role: "listener",
        claimKeys: [],
      },
      context,
    );
    await events.publish(
      P(auth.ProfileUpdated),
      u1,
      {
        userId: u1,
        displayName: "Ana Östlund",
        bio: "jazz",
        avatarUrl: null,
        locale: "sv",
      },
      context,
    );
    await events.publish(
      P(auth.UserRegistered),
      u2,
      {
        userId: u2,
        username: "bob",
        email: "bob@example.com",
        displayName: "Bob",
        role: "artist",
        claimKeys: [],
      },
      context,
    );
    await events.publish(P(auth.UserErased), u2, { userId: u2, reason: null }, context);

    await events.publish(
      P(artist.ArtistCreated),
      a1,
      {
        artistId: a1,
        ownerUserId: u2,
        name: "Bjork",
        country: "IS",
        genres: ["pop"],
        bio: null,
      },
      context,
    );
    await events.publish(
      P(artist.ArtistUpdated),
      a1,
      {
        artistId: a1,
        name: "Björk",
        country: "IS",
        genres: ["pop", "electronic"],
        bio: "Icelandic",
      },
      context,
    );
    await events.publish(
      P(artist.ArtistCreated),
      a2,
      {
        artistId: a2,
        ownerUserId: u2,
        name: "Gone",
        country: null,
        genres: [],
        bio: null,
      },
      context,
    );
    await events.publish(P(artist.ArtistDeleted), a2, { artistId: a2 }, context);
    await events.publish(
      P(artist.AlbumCreated),
      al1,
      {
        albumId: al1,
        artistId: a1,
        title: "Homogenic",
        releaseDate: "1997-09-22",
        genre: "electronic",
        coverUrl: null,
      },
      context,
    );
    for (const [trackId, n] of [
      [t1, 1],
      [t2, 2],
    ] as const) {
      await events.publish(
        P(artist.TrackCreated),
        trackId,
        {
          trackId,
          albumId: al1,
          artistId: a1,
          title: `Track ${n}`,
          durationMs: 200_000,
          trackNumber: n,
          genre: "electronic",
          explicit: false,
        },
        context,
      );
    }
    await events.publish(
      P(artist.TrackUpdated),
      t1,
      {
        trackId: t1,
        albumId: al1,
        artistId: a1,
        title: "Hunter",
        durationMs: 255_000,
        trackNumber: 1,
        genre: "electronic",
        explicit: false,
      },
      context,
    );
    await events.publish(
      P(artist.TrackDeleted),
      t2,
      { trackId: t2, albumId: al1, artistId: a1 },
      context,
    );

    // What vobe-post-details writes: each post with its artist's name and comment count;
    // p1 edited (a second record), p2 deleted (a tombstone).
    const detail = (postId: string, fields: Partial<content.PostDetail>) => ({
      postId,
      authorId: u1,
      title: "Hello",
      body: "first",
      publishedAt: new Date(Date.UTC(2026, 0, 5, 9)),
      artistId: a1,
      artistName: "Björk",
      comments: 0,
      editedAt: null,
      ...fields,
    });
    await events.publish(P(content.PostDetail), p1, detail(p1, {}), context);
    await events.publish(
      P(content.PostDetail),
      p1,
      detail(p1, {
        title: "Hello!",
        body: "first, edited",
        comments: 1,
        editedAt: new Date(Date.UTC(2026, 0, 5, 10)),
      }),
      context,
    );
    await events.publish(
      P(content.PostDetail),
      p2,
      detail(p2, {
        title: "Bye",
        body: "second",
        publishedAt: new Date(Date.UTC(2026, 0, 5, 11)),
        artistId: null,
        artistName: null,
      }),
      context,
    );
    await producer.send([
      {
        topic: P(content.PostDetail).topic,
        key: Buffer.from(p2),
        value: null,
        headers: { "event-type": content.PostDetail.name },
      },
    ]);

    await events.publish(
      P(comment.CommentAdded),
      c1,
      {
        commentId: c1,
        postId: p1,
        authorId: u1,
        body: "nice",
        parentCommentId: null,
      },
      context,
    );
    await events.publish(
      P(comment.CommentAdded),
      c2,
      {
        commentId: c2,
        postId: p1,
        authorId: u1,
        body: "reply",
        parentCommentId: c1,
      },
      context,
    );
    await events.publish(
      P(comment.CommentEdited),
      c1,
      {
        commentId: c1,
        postId: p1,
        authorId: u1,
        body: "very nice",
      },
      context,
    );
    await events.publish(
      P(comment.CommentDeleted),
      c2,
      { commentId: c2, postId: p1, authorId: u1 },
      context,
    );

    await events.publish(
      P(feedback.FeedbackSubmitted),
      f1,
      {
        feedbackId: f1,
        userId: u1,
        category: "bug",
        message: "broken",
        page: "/x",
      },
      context,
    );
    await events.publish(
      P(feedback.FeedbackTriaged),
      f1,
      {
        feedbackId: f1,
        priority: "high",
        assigneeId: u2,
        note: "look",
      },
      context,
    );
    await events.publish(
      P(feedback.FeedbackResolved),
      f1,
      {
        feedbackId: f1,
        resolution: "fixed",
        note: "thanks",
      },
      context,
    );
    await events.publish(
      P(feedback.FeedbackSubmitted),
      f2,
      {
        feedbackId: f2,
        userId: null,
        category: "idea",
        message: "more jazz",
        page: null,
      },
      context,
    );

    await events.publish(
      P(chat.ChatMessageSent),
      conv,
      {
        messageId: m1,
        conversationId: conv,
        userId: u1,
        text: "recommend jazz",
      },
      context,
    );
    await events.publish(
      P(chat.ChatReplyGenerated),
      conv,
      {
        messageId: r1,
        conversationId: conv,
        inReplyTo: m1,
        text: "Kind of Blue",
        model: "gpt-4o-mini",
        promptTokens: 10,
        completionTokens: 5,
        userId: u1,
        outcome: "answered",
        error: null,
        toolCalls: [],
        references: [],
        unverifiedNames: [],
        latencyMs: 0,
        attempts: 1,
      },
      context,
    );

    for (let i = 0; i < 30; i++) await play(playTracks[i % 3] as string, 1000 * i, i % 2 === 0);
    const liked = playTracks[0] as string;
    await events.publish(
      P(listening.TrackLiked),
      liked,
      { trackId: liked, userId: listener },
      context,
    );
    await events.publish(P(listening.TrackLiked), liked, { trackId: liked, userId: u1 }, context);
    await events.publish(
      P(listening.TrackUnliked),
      liked,
      { trackId: liked, userId: listener },
      context,
    );

    // What the processors would write (vobe-plays-per-track, vobe-track-like-counts,
    // vobe-trending-tracks): the view stores the latest record per key, by offset.
    const [hot, warm] = playTracks as [string, string];
    const hour = Date.UTC(2026, 0, 5, 10);
    const playCount = (plays: number) => ({
      trackId: hot,
      plays,
      completedPlays: plays - 1,
      listenedMs: plays * 1_000,
      lastPlayedAt: new Date(hour + plays),
    });
    await events.publish(P(listening.TrackPlayCount), hot, playCount(4), context);
    await events.publish(P(listening.TrackPlayCount), hot, playCount(7), context);
    await events.publish(P(listening.TrackLikeCount), hot, { trackId: hot, likes: 2 }, context);
    await events.publish(P(listening.TrackLikeCount), hot, { trackId: hot, likes: 1 }, context);
    for (const [start, plays] of [
      [hour, 3],
      [hour + 3_600_000, 5],
    ] as const) {
      await events.publish(
        P(listening.TrackPlaysHourly),
        hot,
        {
          trackId: hot,
          windowStart: new Date(start),
          windowEnd: new Date(start + 3_600_000),
          plays,
        },
        context,
      );
    }
    const trending = (plays: number) => ({
      windowStart: new Date(hour),
      windowEnd: new Date(hour + 3_600_000),
      tracks: [
        { trackId: hot, plays },
        { trackId: warm, plays: 2 },
      ],
    });
    await events.publish(P(listening.TrendingTracks), "last-hour", trending(3), context);
    await events.publish(P(listening.TrendingTracks), "last-hour", trending(9), context);

    runtime = createSinkRuntime(run.endpoints, "vobe-tests-sinks");
    served = await serveSinks(runtime, views, { ...placement, watchMs: 300 });
    await catchUp();
  });

  afterAll(async () => {
    await served?.stop();
    await runtime?.close();
    await producer.close();
    for (const p of pools.values()) await p.end();
    await cleanup(run, views);
  });

  it("lands every event in its view, exactly", async () => {
    const users = await q("auth", `select * from ${base("auth")}.users order by registered_at`);
    // An erased account has no row (docs/adr/019-erasure.md).
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      user_id: u1,
      username: "Ana",
      email_sha256: emailDigest("ana@example.com"),
      display_name: "Ana Östlund",
      bio: "jazz",
      locale: "sv",
      role: "listener",
      erased: false,
    });
    expect(JSON.stringify(users)).not.toContain("example.com");

    const artists = await q(
      "artist",
      `select artist_id, name, genres, deleted from ${base("artist")}.artists order by name`,
    );
    expect(artists).toEqual([
      { artist_id: a1, name: "Björk", genres: ["pop", "electronic"], deleted: false },
      { artist_id: a2, name: "Gone", genres: [], deleted: true },
    ]);
    const albums = await q(
      "artist",
      `select album_id, artist_id, title, to_char(release_date, 'YYYY-MM-DD') as release from ${base("artist")}.albums`,
    );
    expect(albums).toEqual([
      { album_id: al1, artist_id: a1, title: "Homogenic", release: "1997-09-22" },
    ]);
    const tracks = await q(
      "artist",
      `select track_id, album_id, title, duration_ms, deleted from ${base("artist")}.tracks order by track_number`,
    );
    expect(tracks).toEqual([
      { track_id: t1, album_id: al1, title: "Hunter", duration_ms: 255_000, deleted: false },
      { track_id: t2, album_id: al1, title: "Track 2", duration_ms: 200_000, deleted: true },
    ]);

    const posts = await q(
      "content",
      `select post_id, title, body, deleted, artist_id, artist_name, comment_count::int, edited_at is not null as edited from ${base("content")}.posts order by published_at`,
    );
    expect(posts).toEqual([
      {
        post_id: p1,
        title: "Hello!",
        body: "first, edited",
        deleted: false,
        artist_id: a1,
        artist_name: "Björk",
        comment_count: 1,
        edited: true,
      },
      {
        post_id: p2,
        title: "Bye",
        body: "second",
        deleted: true,
        artist_id: null,
        artist_name: null,
        comment_count: 0,
        edited: false,
      },
    ]);

    const comments = await q(
      "comment",
      `select comment_id, post_id, body, parent_comment_id, deleted from ${base("comment")}.comments order by created_at`,
    );
    expect(comments).toEqual([
      { comment_id: c1, post_id: p1, body: "very nice", parent_comment_id: null, deleted: false },
      { comment_id: c2, post_id: p1, body: "reply", parent_comment_id: c1, deleted: true },
    ]);

    const items = await q(
      "feedback",
      `select feedback_id, status, priority, resolution, user_id from ${base("feedback")}.items order by submitted_at`,
    );
    expect(items).toEqual([
      { feedback_id: f1, status: "resolved", priority: "high", resolution: "fixed", user_id: u1 },
      { feedback_id: f2, status: "submitted", priority: null, resolution: null, user_id: null },
    ]);

    const messages = await q(
      "chat",
      `select message_id, kind, in_reply_to, text from ${base("chat")}.messages order by sent_at, kind desc`,
    );
    expect(messages).toEqual([
      { message_id: m1, kind: "user", in_reply_to: null, text: "recommend jazz" },
      { message_id: r1, kind: "reply", in_reply_to: m1, text: "Kind of Blue" },
    ]);
    const conversations = await q(
      "chat",
      `select conversation_id, user_id, messages from ${base("chat")}.conversations`,
    );
    expect(conversations).toEqual([{ conversation_id: conv, user_id: u1, messages: "2" }]);

    const plays = await q("listening", `select count(*)::int as n from ${base("listening")}.plays`);
    expect(plays).toEqual([{ n: 30 }]);
    const likes = await q(
      "listening",
      `select user_id, liked from ${base("listening")}.likes order by liked`,
    );
    expect(likes).toEqual([
      { user_id: listener, liked: false },
      { user_id: u1, liked: true },
    ]);
    // The processors' facts, the latest record per key; the view counts nothing itself.
    const [hot, warm] = playTracks as [string, string];
    const hour = Date.UTC(2026, 0, 5, 10);
    expect(
      await q(
        "listening",
        `select track_id, plays::int, completed_plays::int, listened_ms::int, last_played_at from ${base("listening")}.track_play_counts`,
      ),
    ).toEqual([
      {
        track_id: hot,
        plays: 7,
        completed_plays: 6,
        listened_ms: 7_000,
        last_played_at: new Date(hour + 7),
      },
    ]);
    expect(
      await q(
        "listening",
        `select track_id, likes::int from ${base("listening")}.track_like_counts`,
      ),
    ).toEqual([{ track_id: hot, likes: 1 }]);
    expect(
      await q(
        "listening",
        `select track_id, window_start, window_end, plays::int from ${base("listening")}.track_plays_hourly order by window_start`,
      ),
    ).toEqual([
      {
        track_id: hot,
        window_start: new Date(hour),
        window_end: new Date(hour + 3_600_000),
        plays: 3,
      },
      {
        track_id: hot,
        window_start: new Date(hour + 3_600_000),
        window_end: new Date(hour + 7_200_000),
        plays: 5,
      },
    ]);
    expect(
      await q("listening", `select list, window_start, tracks from ${base("listening")}.trending`),
    ).toEqual([
      {
        list: "last-hour",
        window_start: new Date(hour),
        tracks: [
          { trackId: hot, plays: 9 },
          { trackId: warm, plays: 2 },
        ],
      },
    ]);

    // Positions stored with the rows are the topics' ends.
    for (const sink of served.sinks()) {
      const ends = new Map<string, bigint>();
      for (const topic of sink.topics) {
        (await runtime.source.admin.endOffsets(topic, "read_committed")).forEach((end, p) => {
          ends.set(`${topic}/${p}`, end);
        });
      }
      const stored = await offsetsOf(sink.name.split(" ")[0] as string, sink.schema);
      for (const row of stored) {
        expect(BigInt(row.next_offset), `${row.topic}/${row.partition}`).toBe(
          ends.get(`${row.topic}/${row.partition}`),
        );
      }
    }
  });

  it("announces each commit on the positions channel, naming its view", async () => {
    const client = new pg.Client({ connectionString: databaseUrlFor(run.endpoints, "feedback") });
    await client.connect();
    try {
      const heard: string[] = [];
      client.on("notification", (m) => {
        if (m.channel === positionsChannel) heard.push(m.payload ?? "");
      });
      await client.query(`listen ${positionsChannel}`);
      const f3 = id();
      await events.publish(
        prefixed(run, feedback.FeedbackSubmitted),
        f3,
        { feedbackId: f3, userId: u1, category: "bug", message: "heard?", page: null },
        context,
      );
      await eventually(
        async () => heard,
        (names) => names.includes(base("feedback")),
        10_000,
      );
    } finally {
      await client.end();
    }
  });

  it("changes nothing when the same records are applied a second time", async () => {
    const before = await snapshot();
    await served.stop();
    // Forget the positions (not the rows): every record is read and applied again.
    for (const view of views) {
      await pool(view.database).query(
        `delete from ${quote(versionSchema(base(view.name), view.minVersion ?? 1))}.sink_offsets`,
      );
    }
    served = await serveSinks(runtime, views, { ...placement, watchMs: 300 });
    await catchUp();
    expect(await snapshot()).toEqual(before);
  });

  it("builds the next version from offset 0 beside the live one, swaps it in, and the rows are identical", async () => {
    const before = await snapshot();
    // A view starts at its minVersion (a definition that replaced an incompatible one).
    const next = (name: string) => (views.find((v) => v.name === name)?.minVersion ?? 1) + 1;
    for (const view of views) {
      const version = next(view.name);
      await buildVersion(runtime, view, { ...placement, version, swap: true });
      const versions = await listVersions(pool(view.database), baseOf(view, placement));
      expect(versions.map((v) => [v.version, v.state])).toEqual([
        [version - 1, "retired"],
        [version, "live"],
      ]);
    }
    expect(await snapshot()).toEqual(before);
    // The serving process follows the swap and keeps the new version up to date.
    const followed = () =>
      served.sinks().every((s) => s.version === next(s.name.split(" ")[0] as string));
    await eventually(async () => followed(), Boolean, 10_000);
    expect(followed()).toBe(true);
    await play(playTracks[1] as string);
    await catchUp();
    const [{ n }] = (await q(
      "listening",
      `select count(*)::int as n from ${base("listening")}.plays`,
    )) as [{ n: number }];
    expect(n).toBe(playsSent);
  });

  it("dead-letters a poison record with its error and origin, and goes on", async () => {
    const raw = createProducer({ brokers: run.endpoints.kafkaBrokers, clientId: "vobe-tests" });
    const topic = prefixed(run, listening.TrackPlayed).topic;
    const track = playTracks[2] as string;
    try {
      const [garbage] = await raw.send([
        {
          topic,
          key: Buffer.from(track),
          value: Buffer.from("not avro at all"),
          headers: { [eventHeaders.eventType]: listening.TrackPlayed.name },
        },
      ]);
      const refused = await play(track, -5);
      playsSent -= 1; // refused by the view
      await play(track);
      await catchUp();
      const [{ n }] = (await q(
        "listening",
        `select count(*)::int as n from ${base("listening")}.plays`,
      )) as [{ n: number }];
      expect(n).toBe(playsSent);

      const dead = await readTopic(`${run.topicPrefix}listening-dlq`, 2, { settleMs: 300 });
      expect(dead).toHaveLength(2);
      const header = (i: number, name: string) => dead[i]?.headers.get(name)?.toString();
      expect(header(0, dlqHeaders.kind)).toBe("decode");
      expect(header(0, dlqHeaders.topic)).toBe(topic);
      expect(header(0, dlqHeaders.partition)).toBe(String(garbage?.partition));
      expect(header(0, dlqHeaders.offset)).toBe(String(garbage?.offset));
      expect(dead[0]?.value?.toString()).toBe("not avro at all");
      expect(header(1, dlqHeaders.kind)).toBe("rejected");
      expect(header(1, dlqHeaders.error)).toContain("negative duration");
      expect(header(1, dlqHeaders.offset)).toBe(String(refused.offset));
      expect(header(1, eventHeaders.eventType)).toBe(listening.TrackPlayed.name);
    } finally {
      await raw.close();
    }
  });

  it("reconnects by itself when its Postgres connections are killed, losing and doubling nothing", async () => {
    let terminated = 0;
    for (let wave = 0; wave < 5; wave++) {
      for (let i = 0; i < 20; i++) await play(playTracks[i % 3] as string, 10, true);
      const { rows } = await pool("listening").query(
        "select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = $1 and datname = 'listening'",
        [run.applicationName],
      );
      terminated += rows.filter((r) => r.done).length;
      await sleep(50);
    }
    await catchUp();
    const [{ n }] = (await q(
      "listening",
      `select count(*)::int as n from ${base("listening")}.plays`,
    )) as [{ n: number }];
    expect(n).toBe(playsSent);
    expect(terminated).toBeGreaterThan(0);
  });
});
