/**
 * Post details: each post with its artist and its comment count.
 *
 *   content.posts ─▶ posts table ─▶ FK left join artists (by artistId) ─▶ left join comment counts ─▶ content.post-details
 *   artist.artists ─▶ artists table ─┘                                     ▲
 *   comment.post-comment-counts (written by vobe-post-comment-counts) ─────┘
 *
 * Left joins: a personal post (no artistId) or one whose artist is gone still has a
 * detail, with a null artist; a post without comments has 0. A deleted post becomes a
 * tombstone; an artist's rename reaches every post published for it (the FK join's
 * fan-out), and a new comment count updates its post.
 */
import {
  ArtistCreated,
  ArtistDeleted,
  ArtistUpdated,
  PostCommentCount,
  PostDeleted,
  type PostDetail,
  PostDetail as PostDetailType,
  PostEdited,
  PostPublished,
} from "../../schemas/generated/index.ts";
import { Serdes, StreamsBuilder, type Topology } from "../engine/index.ts";
import { isEvent } from "../serdes/avro.ts";
import { entityTable, type TopologyOptions, toDerived } from "./common.ts";

export const postDetailsStores = {
  posts: "posts-state",
  artists: "artists-state",
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
  /** Event time of the last edit; absent (stores written before it existed) or null: never. */
  editedAt?: number | null;
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
  const posts = entityTable<PostRow>(builder, {
    serdes,
    topic: PostPublished,
    types: [PostPublished, PostEdited, PostDeleted],
    name: "posts",
    apply: (row, event, at) => {
      if (isEvent(event, PostPublished)) {
        const { postId, authorId, artistId, title, body } = event.value;
        return row ?? { postId, authorId, artistId, title, body, publishedAt: at };
      }
      if (isEvent(event, PostEdited)) {
        return row && { ...row, title: event.value.title, body: event.value.body, editedAt: at };
      }
      return null; // PostDeleted
    },
  });
  const artists = entityTable<ArtistRow>(builder, {
    serdes,
    topic: ArtistCreated,
    types: [ArtistCreated, ArtistUpdated, ArtistDeleted],
    name: "artists",
    apply: (row, event) => {
      if (isEvent(event, ArtistCreated)) return row ?? { name: event.value.name };
      if (isEvent(event, ArtistUpdated)) return row && { name: event.value.name };
      return null; // ArtistDeleted
    },
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
