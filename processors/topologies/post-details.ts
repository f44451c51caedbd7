/**
 * Post details: each post with its artist and its comment count. The posts and artists
 * as they are now are the snapshot topologies' (snapshots.ts), the counts
 * post-comment-counts': all three are read here as tables, none is folded again.
 *
 *   content.post-snapshots  ─▶ posts table ─▶ FK left join artists (by artistId) ─▶ left join comment counts ─▶ content.post-details
 *   artist.artist-snapshots ─▶ artists table ─┘                                     ▲
 *   comment.post-comment-counts ─▶ counts table ────────────────────────────────────┘
 *   (written by vobe-content-snapshots from content.posts, vobe-catalog-snapshots from
 *   artist.artists, vobe-post-comment-counts from comment.comment-snapshots)
 *
 * Left joins: a personal post (no artistId) or one whose artist is gone still has a
 * detail, with a null artist; a post without comments has 0. A deleted post (a tombstone
 * in its snapshot topic) becomes a tombstone; an artist's rename reaches every post
 * published for it (the FK join's fan-out), and a new comment count updates its post. A
 * count of a post not (yet) known waits in its table until the post arrives.
 */
import {
  ArtistSnapshot,
  PostCommentCount,
  type PostDetail,
  PostDetail as PostDetailType,
  PostSnapshot,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { type TopologyOptions, toDerived } from "./common.ts";
import { snapshotStore, snapshotTable } from "./snapshots.ts";

export const postDetailsStores = {
  /** Key-value: id → the entity's snapshot, as read from its snapshot topic. */
  posts: snapshotStore("posts"),
  artists: snapshotStore("artists"),
  counts: "post-comment-counts-table",
  /** Key-value: postId → the post with its artist (the FK join's result). */
  withArtist: "post-artist-store",
} as const;

export interface PostRow {
  postId: string;
  authorId: string;
  artistId: string | null;
  title: string;
  body: string;
  publishedAt: number;
  /** Event time of the last edit; null: never. */
  editedAt: number | null;
}

export interface ArtistRow {
  name: string;
}

export interface PostWithArtist {
  post: PostRow;
  artistName: string | null;
}

export interface DetailRow extends PostWithArtist {
  comments: number;
}

export function postDetailsTopology(options: TopologyOptions): Topology {
  const { serdes } = options;
  const builder = new StreamsBuilder();
  const posts = snapshotTable(builder, serdes, PostSnapshot, {
    name: "posts",
    row: (post): PostRow => ({
      postId: post.postId,
      authorId: post.authorId,
      artistId: post.artistId,
      title: post.title,
      body: post.body,
      // Snapshots written before publishedAt existed lack it until content-snapshots is
      // reset; their own time is the publication's unless the post was edited since.
      publishedAt: (post.publishedAt ?? post.occurredAt).getTime(),
      editedAt: post.editedAt?.getTime() ?? null,
    }),
  });
  const artists = snapshotTable(builder, serdes, ArtistSnapshot, {
    name: "artists",
    row: ({ name }): ArtistRow => ({ name }),
  });
  const counts = builder
    .table<string, PostCommentCount>(serdes.topic(PostCommentCount), {
      keySerde: Serdes.string(),
      valueSerde: serdes.derived(PostCommentCount),
      name: "post-comment-counts-source",
      storeName: postDetailsStores.counts,
    })
    .mapValues((count) => count.comments, { name: "post-comment-counts-values" });

  const details = posts
    .leftJoin(
      artists,
      // A personal post has no artist: the engine answers a null foreign key locally.
      (post) => post.artistId as string,
      (post, artist): PostWithArtist => ({ post, artistName: artist?.name ?? null }),
      {
        name: "post-artist",
        leftValueSerde: Serdes.json<PostRow>(),
        rightValueSerde: Serdes.json<ArtistRow>(),
        valueSerde: Serdes.json<PostWithArtist>(),
      },
    )
    .leftJoin(counts, (detail, comments): DetailRow => ({ ...detail, comments: comments ?? 0 }), {
      name: "post-details",
    });
  toDerived<string, DetailRow, PostDetail>(
    details.toStream({ name: "post-details-changes" }),
    PostDetailType,
    (postId, { post, artistName, comments }) => ({
      postId,
      authorId: post.authorId,
      title: post.title,
      body: post.body,
      publishedAt: new Date(post.publishedAt),
      artistId: post.artistId,
      artistName: post.artistId === null ? null : artistName,
      comments,
      editedAt: post.editedAt ? new Date(post.editedAt) : null,
    }),
    "post-details-records",
  ).to(serdes.topic(PostDetailType), {
    keySerde: Serdes.string(),
    valueSerde: serdes.derived(PostDetailType),
    name: "post-details-sink",
  });
  return builder.build();
}
