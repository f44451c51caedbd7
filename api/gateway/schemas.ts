/**
 * The composed answers' schemas. They repeat the shapes of the read routes they combine
 * (api/read/content.ts, artist.ts, comment.ts): the gateway must describe them even when
 * those services run elsewhere. tests/integration/api-gateway.test.ts checks that they
 * still equal the read routes' own 200 schemas.
 */
import { Type } from "@fastify/type-provider-typebox";

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Timestamp = Type.String({ format: "date-time" });

export const Post = Type.Object(
  {
    postId: Type.String(),
    authorId: Type.String(),
    artistId: NullableString,
    title: Type.String(),
    body: Type.String(),
    publishedAt: Timestamp,
    editedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

const Album = Type.Object(
  {
    albumId: Type.String(),
    artistId: Type.String(),
    title: Type.String(),
    releaseDate: Type.String({ format: "date" }),
    genre: Type.String(),
    coverUrl: NullableString,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

export const ArtistWithAlbums = Type.Object(
  {
    artistId: Type.String(),
    ownerUserId: Type.String(),
    name: Type.String(),
    country: NullableString,
    genres: Type.Array(Type.String()),
    bio: NullableString,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    albums: Type.Array(Album),
  },
  { additionalProperties: false },
);

const Comment = Type.Object(
  {
    commentId: Type.String(),
    postId: Type.String(),
    authorId: Type.String(),
    parentCommentId: NullableString,
    body: Type.String(),
    createdAt: Timestamp,
    editedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

export const CommentPage = Type.Object(
  { items: Type.Array(Comment), nextCursor: NullableString },
  { additionalProperties: false },
);

export const Degraded = Type.Object(
  {
    service: Type.Union([Type.Literal("artist"), Type.Literal("comment")]),
    reason: Type.Union([
      Type.Literal("timeout"),
      Type.Literal("unavailable"),
      Type.Literal("circuit_open"),
    ]),
  },
  { additionalProperties: false },
);

export const PostDetail = Type.Object(
  {
    post: Post,
    artist: Type.Union([ArtistWithAlbums, Type.Null()], {
      description:
        "The post's artist with their albums; null when the post has no artist, the artist is gone, or the artist service failed (then named in degraded)",
    }),
    comments: Type.Union([CommentPage, Type.Null()], {
      description:
        "The first page of comments (oldest first; nextCursor continues at GET /api/comment/posts/{postId}/comments); null when the comment service failed",
    }),
    degraded: Type.Array(Degraded, {
      description: "The parts that could not be fetched, and why; empty when the answer is whole",
    }),
  },
  { additionalProperties: false },
);
