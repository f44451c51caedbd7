import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes, nameBasedUuid } from "../../../processors/serdes/avro.ts";
import { postDetailsTopology } from "../../../processors/topologies/post-details.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  ArtistCreated,
  ArtistDeleted,
  ArtistSnapshot,
  ArtistUpdated,
  PostCommentCount,
  PostDeleted,
  PostDetail,
  PostEdited,
  PostPublished,
  PostSnapshot,
} from "../../../schemas/generated/index.ts";
import { behindSnapshots } from "./behind-snapshots.ts";

const postTypes = [PostPublished, PostEdited, PostDeleted];
const artistTypes = [ArtistCreated, ArtistUpdated, ArtistDeleted];
const author = randomUUID();

const snapshots = [PostSnapshot, ArtistSnapshot];

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
let feed: ReturnType<typeof behindSnapshots> | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([
    ...postTypes,
    ...artistTypes,
    ...snapshots,
    PostCommentCount,
    PostDetail,
  ]);
});
afterEach(() => {
  feed?.close();
  driver?.close();
});

/** Behind content-snapshots and catalog-snapshots: posts and artists as raw events. */
function start() {
  driver = new TopologyTestDriver(postDetailsTopology({ serdes }));
  feed = behindSnapshots(serdes, driver, snapshots);
  const posts = feed.input("content.posts", postTypes);
  const artists = feed.input("artist.artists", artistTypes);
  const counts = driver.createInputTopic(
    "comment.post-comment-counts",
    Serdes.string(),
    serdes.derived(PostCommentCount),
  );
  const out = driver.createOutputTopic(
    "content.post-details",
    Serdes.string(),
    serdes.derived(PostDetail),
  );
  let clock = Date.UTC(2026, 0, 5);
  const tick = () => {
    clock += 1_000;
    return clock;
  };
  const envelope = (at: number) => ({
    eventId: randomUUID(),
    occurredAt: new Date(at),
    actor: { userId: author, role: "artist" as const },
  });
  const post = <T>(type: EventType<T>, postId: string, fields: object = {}) => {
    const at = tick();
    posts.pipeInput(
      postId,
      { type: type.name, value: { ...envelope(at), postId, authorId: author, ...fields } },
      at,
    );
  };
  const artist = <T>(type: EventType<T>, artistId: string, fields: object = {}) => {
    const at = tick();
    artists.pipeInput(
      artistId,
      { type: type.name, value: { ...envelope(at), artistId, ...fields } },
      at,
    );
  };
  const artistFields = (name: string) => ({ name, country: "SE", genres: ["pop"], bio: null });
  const comments = (postId: string, n: number) => {
    const at = tick();
    counts.pipeInput(
      postId,
      {
        eventId: nameBasedUuid(`${postId}${n}`),
        occurredAt: new Date(at),
        actor: { userId: null, role: "system" },
        postId,
        comments: n,
      },
      at,
    );
  };
  const read = () =>
    out
      .readKeyValuesToList()
      .map(([k, v]) => [k, v === null ? null : `${v.title}|${v.artistName ?? "-"}|${v.comments}`]);
  return { post, artist, artistFields, comments, read, out };
}

describe("post details", () => {
  it("joins a post with its artist and comment count, and follows every side", () => {
    const { post, artist, artistFields, comments, read, out } = start();
    const [p1, a1] = [randomUUID(), randomUUID()];
    artist(ArtistCreated, a1, { ownerUserId: author, ...artistFields("Abba") });
    post(PostPublished, p1, { artistId: a1, title: "Tour", body: "dates" });
    expect(read()).toEqual([[p1, "Tour|Abba|0"]]);
    comments(p1, 2);
    post(PostEdited, p1, { title: "Tour 2026", body: "new dates" });
    artist(ArtistUpdated, a1, artistFields("ABBA"));
    expect(read()).toEqual([
      [p1, "Tour|Abba|2"],
      [p1, "Tour 2026|Abba|2"],
      [p1, "Tour 2026|ABBA|2"],
    ]);
    comments(p1, 1);
    const detail = out.readValue();
    expect(detail).toMatchObject({
      postId: p1,
      authorId: author,
      artistId: a1,
      body: "new dates",
      comments: 1,
      actor: { userId: null, role: "system" },
    });
    expect(detail?.publishedAt.getTime()).toBe(Date.UTC(2026, 0, 5) + 2_000);
    // The edit's event time; a post never edited says null.
    expect(detail?.editedAt).toBeInstanceOf(Date);
    expect(detail?.editedAt?.getTime()).toBeGreaterThan(detail?.publishedAt.getTime() ?? 0);
  });

  it("keeps personal posts (no artist) and posts whose artist is deleted", () => {
    const { post, artist, artistFields, read } = start();
    const [p1, p2, a1] = [randomUUID(), randomUUID(), randomUUID()];
    post(PostPublished, p1, { artistId: null, title: "Me", body: "x" });
    artist(ArtistCreated, a1, { ownerUserId: author, ...artistFields("Abba") });
    post(PostPublished, p2, { artistId: a1, title: "Band", body: "y" });
    artist(ArtistDeleted, a1);
    expect(read()).toEqual([
      [p1, "Me|-|0"],
      [p2, "Band|Abba|0"],
      [p2, "Band|-|0"],
    ]);
  });

  it("keeps a count that arrives before its post, and shows it when the post does", () => {
    const { post, comments, read } = start();
    const p1 = randomUUID();
    comments(p1, 2);
    expect(read()).toEqual([]);
    post(PostPublished, p1, { artistId: null, title: "Late", body: "x" });
    expect(read()).toEqual([[p1, "Late|-|2"]]);
  });

  it("turns a deleted post into a tombstone and ignores its later events", () => {
    const { post, comments, read } = start();
    const p1 = randomUUID();
    post(PostPublished, p1, { artistId: null, title: "Gone", body: "soon" });
    comments(p1, 3);
    post(PostDeleted, p1);
    post(PostEdited, p1, { title: "Zombie", body: "!" });
    comments(p1, 4);
    expect(read()).toEqual([
      [p1, "Gone|-|0"],
      [p1, "Gone|-|3"],
      [p1, null],
    ]);
  });
});
