import { randomUUID } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { applyAccount } from "../../../processors/topologies/account-snapshots.ts";
import { catalogSnapshotsTopology } from "../../../processors/topologies/catalog-snapshots.ts";
import { contentSnapshotsTopology } from "../../../processors/topologies/content-snapshots.ts";
import { applyFeedback, applyMessage } from "../../../processors/topologies/service-snapshots.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumSnapshot,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistSnapshot,
  ArtistUpdated,
  ChatMessageSent,
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  CommentSnapshot,
  FeedbackResolved,
  FeedbackSubmitted,
  FeedbackTriaged,
  PostDeleted,
  PostEdited,
  PostPublished,
  PostSnapshot,
  ProfileUpdated,
  TrackCreated,
  TrackDeleted,
  TrackSnapshot,
  TrackUpdated,
  UserErased,
  UserRegistered,
} from "../../../schemas/generated/index.ts";

const artistTypes = [ArtistCreated, ArtistUpdated, ArtistDeleted];
const albumTypes = [AlbumCreated, AlbumUpdated, AlbumDeleted];
const trackTypes = [TrackCreated, TrackUpdated, TrackDeleted];
const postTypes = [PostPublished, PostEdited, PostDeleted];
const commentTypes = [CommentAdded, CommentEdited, CommentDeleted];
const owner = randomUUID();

let serdes: AvroSerdes;
let driver: TopologyTestDriver | undefined;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([
    ...artistTypes,
    ...albumTypes,
    ...trackTypes,
    ...postTypes,
    ...commentTypes,
    ArtistSnapshot,
    AlbumSnapshot,
    TrackSnapshot,
    PostSnapshot,
    CommentSnapshot,
  ]);
});
afterEach(() => driver?.close());

let clock = Date.UTC(2026, 0, 5);
function sender(d: TopologyTestDriver, topic: string, types: EventType<unknown>[]) {
  const input = d.createInputTopic(topic, Serdes.string(), serdes.events(types));
  return (type: EventType<unknown>, key: string, fields: object) => {
    clock += 1_000;
    const value = {
      eventId: randomUUID(),
      occurredAt: new Date(clock),
      actor: { userId: owner, role: "artist" as const },
      ...fields,
    };
    input.pipeInput(key, { type: type.name, value }, clock);
  };
}

/** The latest value per key, as a compacted topic keeps it; null for a tombstone. */
function latest<T>(d: TopologyTestDriver, topic: string, type: EventType<T>) {
  const out = d.createOutputTopic(topic, Serdes.string(), serdes.derived(type));
  const table = new Map<string, T | null>();
  return () => {
    for (const [k, v] of out.readKeyValuesToList()) if (k !== null) table.set(k, v);
    return table;
  };
}

describe("catalog snapshots: the latest artist, album and track per key", () => {
  it("merges updates onto the created entity and writes a tombstone when it is deleted", () => {
    driver = new TopologyTestDriver(catalogSnapshotsTopology({ serdes }));
    const artist = sender(driver, "artist.artists", artistTypes);
    const track = sender(driver, "artist.tracks", trackTypes);
    const artists = latest(driver, "artist.artist-snapshots", ArtistSnapshot);
    const tracks = latest(driver, "artist.track-snapshots", TrackSnapshot);
    const [artistId, trackId, albumId] = [randomUUID(), randomUUID(), randomUUID()];
    artist(ArtistCreated, artistId, {
      artistId,
      ownerUserId: owner,
      name: "A",
      country: null,
      genres: ["jazz"],
      bio: null,
    });
    artist(ArtistUpdated, artistId, {
      artistId,
      name: "B",
      country: "SE",
      genres: ["jazz"],
      bio: "x",
    });
    expect(artists().get(artistId)).toMatchObject({
      artistId,
      ownerUserId: owner,
      name: "B",
      country: "SE",
      actor: { userId: null, role: "system" },
    });
    const fields = { trackId, albumId, artistId, durationMs: 1, trackNumber: 1, genre: "g" };
    track(TrackCreated, trackId, { ...fields, title: "t", explicit: false });
    track(TrackUpdated, trackId, { ...fields, title: "u", explicit: true });
    expect(tracks().get(trackId)).toMatchObject({ title: "u", explicit: true });
    track(TrackDeleted, trackId, { trackId, albumId, artistId });
    expect(tracks().get(trackId)).toBeNull();
    // Deletes are final: an update of a deleted track brings nothing back.
    track(TrackUpdated, trackId, { ...fields, title: "v", explicit: true });
    expect(tracks().get(trackId)).toBeNull();
    artist(ArtistDeleted, artistId, { artistId });
    expect(artists().get(artistId)).toBeNull();
  });
});

describe("content snapshots: the latest post and comment per key", () => {
  it("keeps a post's author through edits, a comment's post and parent, and drops the deleted", () => {
    driver = new TopologyTestDriver(contentSnapshotsTopology({ serdes }));
    const post = sender(driver, "content.posts", postTypes);
    const comment = sender(driver, "comment.comments", commentTypes);
    const posts = latest(driver, "content.post-snapshots", PostSnapshot);
    const comments = latest(driver, "comment.comment-snapshots", CommentSnapshot);
    const [postId, commentId, replyId] = [randomUUID(), randomUUID(), randomUUID()];
    post(PostPublished, postId, { postId, authorId: owner, artistId: null, title: "t", body: "b" });
    const published = posts().get(postId)?.publishedAt;
    expect(published).toBeInstanceOf(Date);
    expect(posts().get(postId)?.editedAt).toBeNull();
    post(PostEdited, postId, { postId, authorId: owner, title: "t2", body: "b2" });
    expect(posts().get(postId)).toMatchObject({ authorId: owner, title: "t2", body: "b2" });
    // When it was published and last edited (post-details shows both, from here).
    const edited = posts().get(postId)?.editedAt;
    expect(edited?.getTime()).toBeGreaterThan(published?.getTime() ?? Infinity);
    // A resent PostPublished does not move the publication.
    post(PostPublished, postId, { postId, authorId: owner, artistId: null, title: "t", body: "b" });
    expect(posts().get(postId)).toMatchObject({
      title: "t",
      publishedAt: published,
      editedAt: edited,
    });
    const base = { postId, authorId: owner, body: "c" };
    comment(CommentAdded, commentId, { ...base, commentId, parentCommentId: null });
    comment(CommentAdded, replyId, { ...base, commentId: replyId, parentCommentId: commentId });
    comment(CommentEdited, commentId, { ...base, commentId, body: "c2" });
    expect(comments().get(commentId)).toMatchObject({ postId, body: "c2" });
    expect(comments().get(replyId)).toMatchObject({ parentCommentId: commentId });
    comment(CommentDeleted, commentId, { commentId, postId, authorId: owner });
    post(PostDeleted, postId, { postId, authorId: owner });
    expect(comments().get(commentId)).toBeNull();
    expect(posts().get(postId)).toBeNull();
  });
});

describe("the small states: feedback status, conversation owner, account", () => {
  const event = (type: EventType<unknown>, value: object) =>
    ({
      type: type.name,
      value: { eventId: randomUUID(), occurredAt: new Date(0), ...value },
    }) as never;

  it("moves feedback open → triaged → resolved, and resolved is final", () => {
    const feedbackId = randomUUID();
    let row = applyFeedback(null, event(FeedbackTriaged, { feedbackId }));
    expect(row).toBeNull(); // never submitted
    row = applyFeedback(row, event(FeedbackSubmitted, { feedbackId }));
    expect(row).toEqual({ feedbackId, status: "open" });
    row = applyFeedback(row, event(FeedbackTriaged, { feedbackId }));
    row = applyFeedback(row, event(FeedbackResolved, { feedbackId }));
    expect(applyFeedback(row, event(FeedbackTriaged, { feedbackId }))?.status).toBe("resolved");
  });

  it("gives a conversation to its first sender for good", () => {
    const conversationId = randomUUID();
    const [ann, bob] = [randomUUID(), randomUUID()];
    const row = applyMessage(null, event(ChatMessageSent, { conversationId, userId: ann }));
    expect(applyMessage(row, event(ChatMessageSent, { conversationId, userId: bob }))).toEqual({
      conversationId,
      userId: ann,
    });
  });

  it("keeps an account's profile and forgets the account when it is erased", () => {
    const userId = randomUUID();
    const registered = {
      userId,
      username: "ann",
      email: "a@x.org",
      displayName: "A",
      role: "listener",
    };
    let row = applyAccount(null, event(UserRegistered, registered));
    row = applyAccount(
      row,
      event(ProfileUpdated, {
        userId,
        displayName: "Ann",
        bio: "b",
        avatarUrl: null,
        locale: "sv",
      }),
    );
    expect(row).toMatchObject({ email: "a@x.org", displayName: "Ann", bio: "b", locale: "sv" });
    expect(applyAccount(row, event(UserErased, { userId, reason: null }))).toBeNull();
  });
});
