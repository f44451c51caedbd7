/**
 * GET /api/content/posts (the feed: newest first, deleted excluded; one artist's posts with
 * artistId) and /posts/:id. The rows
 * come from content.post-details: the artist's name and the comment count are the
 * post-details topology's, not computed here.
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { notFound } from "../http/errors.ts";
import { IdParams } from "../http/schemas.ts";
import type { ReadPluginOptions } from "../read/context.ts";
import { decodeCursor, limitOf, page } from "../read/cursor.ts";
import {
  iso,
  NullableString,
  Page,
  pagination,
  Query,
  readResponses,
  Timestamp,
  waitForAfter,
} from "../read/http.ts";

export const Post = Type.Object(
  {
    postId: Type.String(),
    authorId: Type.String(),
    artistId: NullableString,
    artistName: Type.Union([Type.String(), Type.Null()], {
      description: "The artist's current name; null for a personal post or a deleted artist",
    }),
    title: Type.String(),
    body: Type.String(),
    comments: Type.Integer({ description: "Comments on the post that are not deleted" }),
    publishedAt: Timestamp,
    editedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

interface PostRow {
  post_id: string;
  author_id: string;
  artist_id: string | null;
  artist_name: string | null;
  title: string;
  body: string;
  comment_count: string;
  published_at: Date;
  edited_at: Date | null;
  /** published_at as Postgres' JSON text: microseconds kept, for the cursor. */
  k: string;
}

const post = (r: PostRow) => ({
  postId: r.post_id,
  authorId: r.author_id,
  artistId: r.artist_id,
  artistName: r.artist_name,
  title: r.title,
  body: r.body,
  comments: Number(r.comment_count),
  publishedAt: iso(r.published_at) as string,
  editedAt: iso(r.edited_at),
});

const columns =
  "post_id, author_id, artist_id, artist_name, title, body, comment_count, published_at, edited_at, to_json(published_at) #>> '{}' as k";

const contentReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("content");
  const preHandler = waitForAfter(view);
  const tags = ["content"];

  app.get(
    "/posts",
    {
      schema: {
        tags,
        summary: "The feed: posts, newest first (keyset pages; deleted posts are left out)",
        querystring: Query({
          ...pagination,
          artistId: Type.Optional(
            Type.String({
              format: "uuid",
              description: "Only the posts published as this artist (an artist page's posts)",
            }),
          ),
        }),
        response: readResponses({ 200: Page(Post) }),
      },
      preHandler,
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const artistId = req.query.artistId ?? null;
      // An artist's pages are a list of their own: a cursor of the whole feed is refused there.
      const list = artistId === null ? "feed" : `feed:${artistId}`;
      const after = decodeCursor(list, "timestamp", req.query.cursor);
      const rows = await view.query<PostRow>(
        `select ${columns} from ${view.table("posts")}
          where not deleted
            and ($4::uuid is null or artist_id = $4::uuid)
            and ($1::timestamptz is null or (published_at, post_id) < ($1::timestamptz, $2::uuid))
          order by published_at desc, post_id desc limit $3`,
        [after?.key ?? null, after?.id ?? null, limit + 1, artistId],
      );
      return page(list, rows, limit, (r) => ({ key: r.k, id: r.post_id }), post);
    },
  );

  app.get(
    "/posts/:id",
    {
      schema: {
        tags,
        summary: "A post (a deleted post is not found)",
        params: IdParams,
        querystring: Query({}),
        response: readResponses({ 200: Post }),
      },
      preHandler,
    },
    async (req) => {
      const [p] = await view.query<PostRow>(
        `select ${columns} from ${view.table("posts")} where post_id = $1 and not deleted`,
        [req.params.id],
      );
      if (!p) throw notFound("post", req.params.id, "params.id");
      return post(p);
    },
  );
};

export default contentReads;
