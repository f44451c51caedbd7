/** GET /api/auth/me (the caller, from the users view) and /api/auth/users/:username. */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { notFound } from "../http/errors.ts";
import { caller } from "../http/request-context.ts";
import type { ReadPluginOptions } from "../read/context.ts";
import {
  iso,
  NullableString,
  Query,
  readResponses,
  Timestamp,
  waitForAfter,
} from "../read/http.ts";

const Profile = Type.Object(
  {
    userId: Type.String(),
    username: Type.String(),
    displayName: NullableString,
    role: Type.String(),
    bio: NullableString,
    avatarUrl: NullableString,
    registeredAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

const Me = Type.Object(
  {
    ...Profile.properties,
    locale: NullableString,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

interface UserRow {
  user_id: string;
  username: string;
  display_name: string | null;
  role: string;
  bio: string | null;
  avatar_url: string | null;
  locale: string | null;
  registered_at: Date | null;
  updated_at: Date;
}

const profile = (u: UserRow) => ({
  userId: u.user_id,
  username: u.username,
  displayName: u.display_name,
  role: u.role,
  bio: u.bio,
  avatarUrl: u.avatar_url,
  registeredAt: iso(u.registered_at),
});

const authReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("auth");
  const preHandler = waitForAfter(view);
  const columns =
    "user_id, username, display_name, role, bio, avatar_url, locale, registered_at, updated_at";

  app.get(
    "/me",
    {
      schema: {
        tags: ["auth"],
        summary: "The caller's own profile (the token says who), from the users view",
        security: [{ bearer: [] }],
        querystring: Query({}),
        response: readResponses({ 200: Me }),
      },
      onRequest: reads.ctx.auth.require(),
      preHandler,
    },
    async (req) => {
      const me = caller(req);
      const [u] = await view.query<UserRow>(
        `select ${columns} from ${view.table("users")} where user_id = $1 and not erased`,
        [me.userId],
      );
      // Not registered yet (pass after=<the sign-up's position>), or erased since the token.
      if (!u) throw notFound("user", me.userId);
      return { ...profile(u), locale: u.locale, updatedAt: iso(u.updated_at) as string };
    },
  );

  app.get(
    "/users/:username",
    {
      schema: {
        tags: ["auth"],
        summary: "A public profile; erased accounts are not found",
        params: Type.Object(
          { username: Type.String({ minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9_.-]+$" }) },
          { additionalProperties: false },
        ),
        querystring: Query({}),
        response: readResponses({ 200: Profile }),
      },
      preHandler,
    },
    async (req) => {
      // While the view catches up, a released username can show two live accounts for a
      // moment (the old one's erasure not applied yet): the newer registration owns it.
      const [u] = await view.query<UserRow>(
        `select ${columns} from ${view.table("users")}
          where lower(username) = lower($1) and not erased
          order by registered_at desc limit 1`,
        [req.params.username],
      );
      if (!u) throw notFound("user", req.params.username, "params.username");
      return profile(u);
    },
  );
};

export default authReads;
