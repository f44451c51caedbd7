/**
 * GET /api/artist/artists (by name), /artists/:id (with its albums), /albums (new releases),
 * /albums/:id (with its tracks in order), /tracks/:id, from the artist view. Deleted
 * entities are not found, nor are taken-down ones and what is under them (visibility.ts, docs/adr/021-moderation.md).
 */
import { type FastifyPluginAsyncTypebox, Type } from "@fastify/type-provider-typebox";
import { notFound } from "../http/errors.ts";
import { caller } from "../http/request-context.ts";
import { IdList, IdParams, idsOf } from "../http/schemas.ts";
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
import { audioUrl } from "./audio.ts";
import { publicAlbum, publicArtist, publicTrack } from "./visibility.ts";

const Artist = Type.Object(
  {
    artistId: Type.String(),
    ownerUserId: Type.String(),
    name: Type.String(),
    country: NullableString,
    genres: Type.Array(Type.String()),
    bio: NullableString,
    createdAt: Timestamp,
    updatedAt: Timestamp,
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

const Release = Type.Object(
  {
    ...Album.properties,
    artistName: Type.String({ description: "The artist's current name" }),
  },
  { additionalProperties: false },
);

const TrackAudio = Type.Object(
  {
    contentHash: Type.String(),
    codec: Type.String(),
    mimeType: Type.String(),
    durationMs: Type.Integer(),
    sizeBytes: Type.Integer(),
    url: Type.String({ description: "GET it to play (range requests, cached for ever)" }),
  },
  { additionalProperties: false },
);

const Track = Type.Object(
  {
    trackId: Type.String(),
    albumId: Type.String(),
    artistId: Type.String(),
    title: Type.String(),
    durationMs: Type.Integer(),
    trackNumber: Type.Integer(),
    genre: Type.String(),
    explicit: Type.Boolean(),
    hasAudio: Type.Boolean(),
    audio: Type.Union([TrackAudio, Type.Null()], {
      description: "The uploaded audio (TrackAudioUploaded); null while the track has none",
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

type Row = Record<string, unknown>;

const artist = (r: Row) => ({
  artistId: r.artist_id as string,
  ownerUserId: r.owner_user_id as string,
  name: r.name as string,
  country: r.country as string | null,
  genres: r.genres as string[],
  bio: r.bio as string | null,
  createdAt: iso(r.created_at as Date) as string,
  updatedAt: iso(r.updated_at as Date) as string,
});

const album = (r: Row) => ({
  albumId: r.album_id as string,
  artistId: r.artist_id as string,
  title: r.title as string,
  releaseDate: r.release as string,
  genre: r.genre as string,
  coverUrl: r.cover_url as string | null,
  createdAt: iso(r.created_at as Date) as string,
  updatedAt: iso(r.updated_at as Date) as string,
});

const track = (r: Row) => ({
  trackId: r.track_id as string,
  albumId: r.album_id as string,
  artistId: r.artist_id as string,
  title: r.title as string,
  durationMs: r.duration_ms as number,
  trackNumber: r.track_number as number,
  genre: r.genre as string,
  explicit: r.explicit as boolean,
  hasAudio: r.audio_hash !== null && r.audio_hash !== undefined,
  audio:
    r.audio_hash === null || r.audio_hash === undefined
      ? null
      : {
          contentHash: r.audio_hash as string,
          codec: r.audio_codec as string,
          mimeType: r.audio_mime_type as string,
          durationMs: r.audio_duration_ms as number,
          sizeBytes: Number(r.audio_size_bytes),
          url: audioUrl(r.audio_hash as string),
        },
  createdAt: iso(r.created_at as Date) as string,
  updatedAt: iso(r.updated_at as Date) as string,
});

// A `date` column as text: pg would make a local-midnight Date of it.
const albumColumns =
  "album_id, artist_id, title, to_char(release_date, 'YYYY-MM-DD') as release, genre, cover_url, created_at, updated_at";

const artistReads: FastifyPluginAsyncTypebox<ReadPluginOptions> = async (app, { reads }) => {
  const view = reads.views.reader("artist");
  const preHandler = waitForAfter(view);
  const t = view.table;
  const tags = ["artist"];

  app.get(
    "/artists",
    {
      schema: {
        tags,
        summary: "Artists by name (keyset pages)",
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Artist) }),
      },
      preHandler,
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("artists", "text", req.query.cursor);
      const rows = await view.query<Row>(
        `select * from ${t("artists")}
          where not deleted and ${publicArtist}
            and ($1::text is null or (name, artist_id) > ($1::text, $2::uuid))
          order by name, artist_id limit $3`,
        [after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "artists",
        rows,
        limit,
        (r) => ({ key: r.name as string, id: r.artist_id as string }),
        artist,
      );
    },
  );

  app.get(
    "/me/artists",
    {
      schema: {
        tags,
        summary:
          "The caller's own artists by name (an artist's dashboard), taken-down ones included: the owner still manages them",
        security: [{ bearer: [] }],
        querystring: Query({}),
        response: readResponses({
          200: Type.Object({ items: Type.Array(Artist) }, { additionalProperties: false }),
        }),
      },
      onRequest: reads.ctx.auth.require("artist"),
      preHandler,
    },
    async (req) => {
      // Bounded by what one account creates by hand; no pages needed.
      const rows = await view.query<Row>(
        `select * from ${t("artists")} where owner_user_id = $1 and not deleted
          order by name, artist_id limit 100`,
        [caller(req).userId],
      );
      return { items: rows.map(artist) };
    },
  );

  app.get(
    "/artists/:id",
    {
      schema: {
        tags,
        summary: "An artist with their albums (by release date)",
        params: IdParams,
        querystring: Query({}),
        response: readResponses({
          200: Type.Object(
            { ...Artist.properties, albums: Type.Array(Album) },
            { additionalProperties: false },
          ),
        }),
      },
      preHandler,
    },
    async (req) => {
      const [a] = await view.query<Row>(
        `select * from ${t("artists")} where artist_id = $1 and not deleted and ${publicArtist}`,
        [req.params.id],
      );
      if (!a) throw notFound("artist", req.params.id, "params.id");
      const albums = await view.query<Row>(
        `select ${albumColumns} from ${t("albums")}
          where artist_id = $1 and not deleted and ${publicAlbum(t, t("albums"))}
          order by release_date, album_id`,
        [req.params.id],
      );
      return { ...artist(a), albums: albums.map(album) };
    },
  );

  app.get(
    "/albums",
    {
      schema: {
        tags,
        summary:
          "New releases: albums released by today, newest release date first (keyset pages), with their artist's name",
        description:
          "Ordered by the album's release date (as its artist gave it), then album id descending. An album dated in the future is left out until its day.",
        querystring: Query(pagination),
        response: readResponses({ 200: Page(Release) }),
      },
      preHandler,
    },
    async (req) => {
      const limit = limitOf(req.query.limit);
      const after = decodeCursor("releases", "text", req.query.cursor);
      // The cursor key is the date as YYYY-MM-DD text: ::date reads it back exactly.
      const rows = await view.query<Row>(
        `select al.album_id, al.artist_id, al.title, to_char(al.release_date, 'YYYY-MM-DD') as release,
                al.genre, al.cover_url, al.created_at, al.updated_at, ar.name as artist_name
           from ${t("albums")} al join ${t("artists")} ar on ar.artist_id = al.artist_id
          where not al.deleted and ${publicAlbum(t, "al")}
            and not ar.deleted
            and al.release_date <= current_date
            and ($1::date is null or (al.release_date, al.album_id) < ($1::date, $2::uuid))
          order by al.release_date desc, al.album_id desc limit $3`,
        [after?.key ?? null, after?.id ?? null, limit + 1],
      );
      return page(
        "releases",
        rows,
        limit,
        (r) => ({ key: r.release as string, id: r.album_id as string }),
        (r) => ({ ...album(r), artistName: r.artist_name as string }),
      );
    },
  );

  app.get(
    "/albums/:id",
    {
      schema: {
        tags,
        summary: "An album with its tracks in order",
        params: IdParams,
        querystring: Query({}),
        response: readResponses({
          200: Type.Object(
            { ...Album.properties, tracks: Type.Array(Track) },
            { additionalProperties: false },
          ),
        }),
      },
      preHandler,
    },
    async (req) => {
      const [a] = await view.query<Row>(
        `select ${albumColumns} from ${t("albums")}
          where album_id = $1 and not deleted and ${publicAlbum(t, t("albums"))}`,
        [req.params.id],
      );
      if (!a) throw notFound("album", req.params.id, "params.id");
      const tracks = await view.query<Row>(
        `select * from ${t("tracks")}
          where album_id = $1 and not deleted and ${publicTrack(t, t("tracks"))}
          order by track_number, track_id`,
        [req.params.id],
      );
      return { ...album(a), tracks: tracks.map(track) };
    },
  );

  app.get(
    "/tracks",
    {
      schema: {
        tags,
        summary: "Several tracks at once, by id (a list of track ids from another service)",
        description:
          "In the order asked; an id that is not a public track is left out (so a list may be shorter than asked), and one asked twice is answered once.",
        querystring: Query({
          ids: IdList(100, "Track ids"),
        }),
        response: readResponses({
          200: Type.Object({ items: Type.Array(Track) }, { additionalProperties: false }),
        }),
      },
      preHandler,
    },
    async (req) => {
      const ids = idsOf(req.query.ids);
      const rows = await view.query<Row>(
        `select * from ${t("tracks")}
          where track_id = any($1::uuid[]) and not deleted and ${publicTrack(t, t("tracks"))}`,
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.track_id as string, r]));
      return {
        items: ids.flatMap((id) => {
          const row = byId.get(id);
          return row ? [track(row)] : [];
        }),
      };
    },
  );

  app.get(
    "/tracks/:id",
    {
      schema: {
        tags,
        summary: "A track",
        params: IdParams,
        querystring: Query({}),
        response: readResponses({ 200: Track }),
      },
      preHandler,
    },
    async (req) => {
      const [tr] = await view.query<Row>(
        `select * from ${t("tracks")}
          where track_id = $1 and not deleted and ${publicTrack(t, t("tracks"))}`,
        [req.params.id],
      );
      if (!tr) throw notFound("track", req.params.id, "params.id");
      return track(tr);
    },
  );
};

export default artistReads;
