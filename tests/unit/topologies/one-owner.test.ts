/**
 * One owner for "an entity as it is now" (docs/adr/018): whatever the history of raw
 * events, odd ones included (a second Created, an update before the create or after the
 * delete, a second delete, a comment added again or to another post), what the document,
 * detail and count topologies end up with is what the snapshots say, joined. Before they
 * read the snapshots, each folded the raw events with its own rule, and they disagreed
 * (an update of a track never created made a search document; a second PostPublished kept
 * the first post in the detail and replaced it in the snapshot).
 */
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Serdes, TopologyTestDriver } from "../../../processors/engine/index.ts";
import { AvroSerdes } from "../../../processors/serdes/avro.ts";
import { albumDocumentsTopology } from "../../../processors/topologies/album-documents.ts";
import { postCommentCountsTopology } from "../../../processors/topologies/post-comment-counts.ts";
import { postDetailsTopology } from "../../../processors/topologies/post-details.ts";
import { trackDocumentsTopology } from "../../../processors/topologies/track-documents.ts";
import type { EventType } from "../../../schemas/event-type.ts";
import {
  AlbumCreated,
  AlbumDeleted,
  AlbumDocument,
  AlbumSnapshot,
  AlbumUpdated,
  ArtistCreated,
  ArtistDeleted,
  ArtistSnapshot,
  ArtistUpdated,
  CommentAdded,
  CommentDeleted,
  CommentEdited,
  CommentSnapshot,
  PostCommentCount,
  PostDeleted,
  PostDetail,
  PostEdited,
  PostPublished,
  PostSnapshot,
  TrackCreated,
  TrackDeleted,
  TrackDocument,
  TrackSnapshot,
  TrackUpdated,
} from "../../../schemas/generated/index.ts";
import { behindSnapshots } from "./behind-snapshots.ts";

const types = {
  "artist.artists": [ArtistCreated, ArtistUpdated, ArtistDeleted],
  "artist.albums": [AlbumCreated, AlbumUpdated, AlbumDeleted],
  "artist.tracks": [TrackCreated, TrackUpdated, TrackDeleted],
  "content.posts": [PostPublished, PostEdited, PostDeleted],
  "comment.comments": [CommentAdded, CommentEdited, CommentDeleted],
} as const;
type RawTopic = keyof typeof types;

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
const [artists, albums, tracks, posts, comments] = [ids(3), ids(3), ids(4), ids(3), ids(5)];
const owner = randomUUID();
const pick = (pool: string[]) => fc.constantFrom(...pool);
const kind = <T extends readonly EventType<unknown>[]>(of: T) => fc.constantFrom(...of);
const word = fc.constantFrom("a", "b", "c");

/** One raw event: its topic, type, key and fields (the envelope is added when piped). */
type Raw = { topic: RawTopic; type: EventType<unknown>; key: string; fields: object };

const catalogEvent: fc.Arbitrary<Raw> = fc.oneof(
  fc
    .tuple(kind(types["artist.artists"]), pick(artists), word, fc.constantFrom("SE", null))
    .map(([type, artistId, name, country]) => ({
      topic: "artist.artists" as const,
      type,
      key: artistId,
      fields: { artistId, ownerUserId: owner, name, country, genres: [name], bio: null },
    })),
  fc
    .tuple(kind(types["artist.albums"]), pick(albums), pick(artists), word)
    .map(([type, albumId, artistId, title]) => ({
      topic: "artist.albums" as const,
      type,
      key: albumId,
      fields: { albumId, artistId, title, releaseDate: "2024-03-01", genre: "g", coverUrl: null },
    })),
  fc
    .tuple(kind(types["artist.tracks"]), pick(tracks), pick(albums), pick(artists), word)
    .map(([type, trackId, albumId, artistId, title]) => ({
      topic: "artist.tracks" as const,
      type,
      key: trackId,
      fields: {
        trackId,
        albumId,
        artistId,
        title,
        durationMs: 1,
        trackNumber: 1,
        genre: "g",
        explicit: false,
      },
    })),
);

const contentEvent: fc.Arbitrary<Raw> = fc.oneof(
  fc.tuple(kind(types["artist.artists"]), pick(artists), word).map(([type, artistId, name]) => ({
    topic: "artist.artists" as const,
    type,
    key: artistId,
    fields: { artistId, ownerUserId: owner, name, country: null, genres: [], bio: null },
  })),
  fc
    .tuple(kind(types["content.posts"]), pick(posts), fc.option(pick(artists)), word)
    .map(([type, postId, artistId, title]) => ({
      topic: "content.posts" as const,
      type,
      key: postId,
      fields: { postId, authorId: owner, artistId, title, body: title },
    })),
  fc
    .tuple(kind(types["comment.comments"]), pick(comments), pick(posts), word)
    .map(([type, commentId, postId, body]) => ({
      topic: "comment.comments" as const,
      type,
      key: commentId,
      fields: { commentId, postId, authorId: owner, body, parentCommentId: null },
    })),
);

let serdes: AvroSerdes;
beforeAll(async () => {
  serdes = await AvroSerdes.inMemory([
    ...Object.values(types).flat(),
    ArtistSnapshot,
    AlbumSnapshot,
    TrackSnapshot,
    PostSnapshot,
    CommentSnapshot,
    TrackDocument,
    AlbumDocument,
    PostCommentCount,
    PostDetail,
  ]);
});

/** A topology behind the snapshot owners, and its output as a compacted topic ends up. */
function behind<T>(
  topology: TopologyTestDriver,
  snapshots: EventType<unknown>[],
  output: EventType<T>,
) {
  const feed = behindSnapshots(serdes, topology, snapshots);
  const inputs = new Map(
    Object.entries(types).map(([topic, of]) => [topic, feed.input(topic, of)] as const),
  );
  const out = topology.createOutputTopic(output.topic, Serdes.string(), serdes.derived(output));
  const latest = new Map<string, T>();
  return {
    feed,
    pipe(raw: Raw, at: number) {
      const value = {
        eventId: randomUUID(),
        occurredAt: new Date(at),
        actor: { userId: owner, role: "artist" as const },
        ...raw.fields,
      };
      inputs.get(raw.topic)?.pipeInput(raw.key, { type: raw.type.name, value }, at);
    },
    /** Every record written so far, applied: the latest value per key, deletes removed. */
    output(): ReadonlyMap<string, T> {
      for (const [key, value] of out.readKeyValuesToList()) {
        if (key === null) continue;
        if (value === null) latest.delete(key);
        else latest.set(key, value);
      }
      return latest;
    },
  };
}

const run = (history: Raw[], stages: Array<{ pipe(raw: Raw, at: number): void }>) => {
  let at = Date.UTC(2026, 0, 5);
  for (const raw of history) {
    at += 1_000;
    for (const stage of stages) stage.pipe(raw, at);
  }
};

describe("one owner of the current entity", () => {
  it("search documents are the snapshots joined, whatever the history", () => {
    fc.assert(
      fc.property(fc.array(catalogEvent, { maxLength: 40 }), (history) => {
        const trackDriver = new TopologyTestDriver(trackDocumentsTopology({ serdes }));
        const albumDriver = new TopologyTestDriver(albumDocumentsTopology({ serdes }));
        const trackDocs = behind(
          trackDriver,
          [TrackSnapshot, AlbumSnapshot, ArtistSnapshot],
          TrackDocument,
        );
        const albumDocs = behind(albumDriver, [AlbumSnapshot, ArtistSnapshot], AlbumDocument);
        try {
          run(history, [trackDocs, albumDocs]);
          const now = trackDocs.feed;
          const artistsNow = now.existing(ArtistSnapshot);
          const albumsNow = now.existing(AlbumSnapshot);
          const expectedTracks = new Map<string, string>();
          for (const [id, track] of now.existing(TrackSnapshot)) {
            const album = albumsNow.get(track.albumId);
            const artist = artistsNow.get(track.artistId);
            if (album && artist) {
              expectedTracks.set(id, `${track.title}|${album.title}|${artist.name}`);
            }
          }
          const expectedAlbums = new Map<string, string>();
          for (const [id, album] of albumsNow) {
            const artist = artistsNow.get(album.artistId);
            if (artist) expectedAlbums.set(id, `${album.title}|${artist.name}`);
          }
          const shown = <T>(docs: ReadonlyMap<string, T>, text: (doc: T) => string) =>
            new Map([...docs].map(([id, doc]) => [id, text(doc)]));
          expect(
            shown(trackDocs.output(), (d) => `${d.title}|${d.albumTitle}|${d.artistName}`),
          ).toEqual(expectedTracks);
          expect(shown(albumDocs.output(), (d) => `${d.title}|${d.artistName}`)).toEqual(
            expectedAlbums,
          );
        } finally {
          trackDocs.feed.close();
          albumDocs.feed.close();
          trackDriver.close();
          albumDriver.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it("comment counts and post details are the snapshots counted and joined", () => {
    fc.assert(
      fc.property(fc.array(contentEvent, { maxLength: 40 }), (history) => {
        const countsDriver = new TopologyTestDriver(postCommentCountsTopology({ serdes }));
        const detailsDriver = new TopologyTestDriver(postDetailsTopology({ serdes }));
        const counts = behind(countsDriver, [CommentSnapshot], PostCommentCount);
        const details = behind(detailsDriver, [PostSnapshot, ArtistSnapshot], PostDetail);
        // post-details reads the counts post-comment-counts writes, as deployed.
        const countsOut = countsDriver.createOutputTopic(
          PostCommentCount.topic,
          Serdes.string(),
          serdes.derived(PostCommentCount),
        );
        const countsIn = detailsDriver.createInputTopic(
          PostCommentCount.topic,
          Serdes.string(),
          serdes.derived(PostCommentCount),
        );
        const countsStage = {
          pipe(raw: Raw, at: number) {
            counts.pipe(raw, at);
            for (const r of countsOut.readRecordsToList()) {
              countsIn.pipeInput(r.key, r.value, r.timestamp);
            }
          },
        };
        try {
          run(history, [countsStage, details]);
          const perPost = new Map<string, number>();
          for (const comment of counts.feed.existing(CommentSnapshot).values()) {
            perPost.set(comment.postId, (perPost.get(comment.postId) ?? 0) + 1);
          }
          const written = counts.output();
          for (const postId of new Set([...written.keys(), ...perPost.keys()])) {
            expect(written.get(postId)?.comments, postId).toBe(perPost.get(postId) ?? 0);
          }
          const artistsNow = details.feed.existing(ArtistSnapshot);
          const expected = new Map(
            [...details.feed.existing(PostSnapshot)].map(([id, post]) => [
              id,
              {
                title: post.title,
                artistId: post.artistId,
                artistName: post.artistId ? (artistsNow.get(post.artistId)?.name ?? null) : null,
                comments: perPost.get(id) ?? 0,
                publishedAt: post.publishedAt,
                editedAt: post.editedAt,
              },
            ]),
          );
          const shown = new Map(
            [...details.output()].map(([id, d]) => [
              id,
              {
                title: d.title,
                artistId: d.artistId,
                artistName: d.artistName,
                comments: d.comments,
                publishedAt: d.publishedAt,
                editedAt: d.editedAt,
              },
            ]),
          );
          expect(shown).toEqual(expected);
        } finally {
          counts.feed.close();
          details.feed.close();
          countsDriver.close();
          detailsDriver.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
