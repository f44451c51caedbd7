import { Type } from "@fastify/type-provider-typebox";
import { Accepted, HttpUrl, Name, Nullable, responses, Text } from "../http/schemas.ts";

const Username = Type.String({ minLength: 3, maxLength: 32, pattern: "^[A-Za-z0-9_.-]+$" });
const Email = Type.String({ format: "email", maxLength: 254 });
// Long enough to matter, short enough that hashing it is not a denial of service.
const Password = Type.String({ minLength: 10, maxLength: 256 });
const DisplayName = Name(80);
/** BCP 47, loosely: "en", "ru-RU", "zh-Hant-TW". */
const Locale = Type.String({ maxLength: 35, pattern: "^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$" });

const PublicUser = Type.Object(
  {
    userId: Type.String(),
    username: Type.String(),
    displayName: Type.String(),
    role: Type.String(),
  },
  { additionalProperties: false },
);

const TypedPosition = Type.Object(
  { type: Type.String(), ...Accepted.properties },
  { additionalProperties: false },
);

export const signup = {
  tags: ["auth"],
  summary: "Sign up: claims the e-mail and username, then registers the account",
  body: Type.Object(
    {
      username: Username,
      email: Email,
      password: Password,
      displayName: DisplayName,
      role: Type.Enum(["listener", "artist"]),
    },
    { additionalProperties: false },
  ),
  response: responses({
    201: Type.Object(
      { userId: Type.String({ format: "uuid" }), events: Type.Array(TypedPosition) },
      { additionalProperties: false },
    ),
  }),
};

export const login = {
  tags: ["auth"],
  summary: "Log in with a username or e-mail and a password; answers a bearer token",
  body: Type.Object(
    { usernameOrEmail: Name(254), password: Type.String({ minLength: 1, maxLength: 256 }) },
    { additionalProperties: false },
  ),
  response: responses({
    200: Type.Object(
      { token: Type.String(), expiresAt: Type.String({ format: "date-time" }), user: PublicUser },
      { additionalProperties: false },
    ),
  }),
};

export const updateProfile = {
  tags: ["auth"],
  summary: "Change the caller's public profile (only the fields given)",
  security: [{ bearer: [] }],
  body: Type.Object(
    {
      displayName: Type.Optional(DisplayName),
      bio: Type.Optional(Nullable(Text(2000))),
      avatarUrl: Type.Optional(Nullable(HttpUrl)),
      locale: Type.Optional(Nullable(Locale)),
    },
    { additionalProperties: false, minProperties: 1 },
  ),
  response: responses({ 202: Accepted }),
};

export const erase = {
  tags: ["auth"],
  summary:
    "Erase the caller's account: releases their e-mail and username, deletes the password hash",
  security: [{ bearer: [] }],
  response: responses({ 202: Accepted }),
};
