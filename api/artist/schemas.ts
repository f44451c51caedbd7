import { Type } from "@fastify/type-provider-typebox";
import {
  Accepted,
  HttpUrl,
  IdParams,
  Name,
  Nullable,
  responses,
  Text,
  Uuid,
} from "../http/schemas.ts";

const Country = Type.String({ pattern: "^[A-Z]{2}$" });
const Genres = Type.Array(Name(50), { maxItems: 10 });
const ReleaseDate = Type.String({ format: "date" });
const DurationMs = Type.Integer({ minimum: 1, maximum: 24 * 3_600_000 });
const TrackNumber = Type.Integer({ minimum: 1, maximum: 999 });

const security = [{ bearer: [] }];
const accepted = responses({ 202: Accepted });
const strict = { additionalProperties: false } as const;
/** A PATCH must change something. */
const patch = { additionalProperties: false, minProperties: 1 } as const;

export const createArtist = {
  tags: ["artist"],
  summary: "Create an artist managed by the caller",
  security,
  body: Type.Object(
    {
      name: Name(200),
      country: Type.Optional(Nullable(Country)),
      genres: Type.Optional(Genres),
      bio: Type.Optional(Nullable(Text(5000))),
    },
    strict,
  ),
  response: accepted,
};

export const updateArtist = {
  tags: ["artist"],
  summary: "Change one of the caller's artists",
  security,
  params: IdParams,
  body: Type.Object(
    {
      name: Type.Optional(Name(200)),
      country: Type.Optional(Nullable(Country)),
      genres: Type.Optional(Genres),
      bio: Type.Optional(Nullable(Text(5000))),
    },
    patch,
  ),
  response: accepted,
};

export const createAlbum = {
  tags: ["artist"],
  summary: "Publish an album of one of the caller's artists",
  security,
  body: Type.Object(
    {
      artistId: Uuid,
      title: Name(200),
      releaseDate: ReleaseDate,
      genre: Name(50),
      coverUrl: Type.Optional(Nullable(HttpUrl)),
    },
    strict,
  ),
  response: accepted,
};

export const updateAlbum = {
  tags: ["artist"],
  summary: "Change one of the caller's albums",
  security,
  params: IdParams,
  body: Type.Object(
    {
      title: Type.Optional(Name(200)),
      releaseDate: Type.Optional(ReleaseDate),
      genre: Type.Optional(Name(50)),
      coverUrl: Type.Optional(Nullable(HttpUrl)),
    },
    patch,
  ),
  response: accepted,
};

export const createTrack = {
  tags: ["artist"],
  summary: "Add a track to one of the caller's albums",
  security,
  body: Type.Object(
    {
      albumId: Uuid,
      title: Name(200),
      durationMs: DurationMs,
      trackNumber: TrackNumber,
      genre: Name(50),
      explicit: Type.Optional(Type.Boolean()),
    },
    strict,
  ),
  response: accepted,
};

export const updateTrack = {
  tags: ["artist"],
  summary: "Change one of the caller's tracks",
  security,
  params: IdParams,
  body: Type.Object(
    {
      title: Type.Optional(Name(200)),
      durationMs: Type.Optional(DurationMs),
      trackNumber: Type.Optional(TrackNumber),
      genre: Type.Optional(Name(50)),
      explicit: Type.Optional(Type.Boolean()),
    },
    patch,
  ),
  response: accepted,
};

export const remove = (what: string) => ({
  tags: ["artist"],
  summary: `Remove one of the caller's ${what}`,
  security,
  params: IdParams,
  response: accepted,
});
