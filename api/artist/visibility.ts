/**
 * What the public reads may show (docs/adr/021-moderation.md): an entity with no takedown
 * in force on it or above it. An artist's takedown hides its albums and tracks, an album's
 * its tracks, as the search documents do (their inner joins over public snapshots). SQL
 * conditions on the artist view's rows, for the routes' `where`:
 *
 *   select * from ${t("tracks")} where track_id = $1 and ${publicTrack(t, "tracks")}
 *
 * `row` names the queried table as the query does (its name when it has no alias): the
 * parents are looked up by its artist_id / album_id.
 */
type Table = (name: string) => string;

export const publicArtist = "taken_down_at is null";

const artistUp = (t: Table, row: string) =>
  `not exists (select 1 from ${t("artists")} up_ar
                where up_ar.artist_id = ${row}.artist_id and up_ar.taken_down_at is not null)`;

const albumUp = (t: Table, row: string) =>
  `not exists (select 1 from ${t("albums")} up_al
                where up_al.album_id = ${row}.album_id and up_al.taken_down_at is not null)`;

/** `row` is the albums table: `t("albums")` unaliased, or its alias. */
export const publicAlbum = (t: Table, row: string) =>
  `${row}.taken_down_at is null and ${artistUp(t, row)}`;

/** `row` is the tracks table: `t("tracks")` unaliased, or its alias. */
export const publicTrack = (t: Table, row: string) =>
  `${row}.taken_down_at is null and ${albumUp(t, row)} and ${artistUp(t, row)}`;
