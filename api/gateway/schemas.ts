/**
 * The composed answers' schemas, built from the read routes' own (api/read/content.ts,
 * comment.ts): the gateway must describe them even when those services run elsewhere.
 */
import { Type } from "@fastify/type-provider-typebox";
import { Comment } from "../comment/reads.ts";
import { Post } from "../content/reads.ts";

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const CommentPage = Type.Object(
  { items: Type.Array(Comment), nextCursor: NullableString },
  { additionalProperties: false },
);

export const Degraded = Type.Object(
  {
    service: Type.Literal("comment"),
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
