-- What the search documents are built from: the latest state of every artist, album,
-- track and post, so a track document can carry its album's title and its artist's
-- name, and a rename of either re-indexes the documents that show it.
-- doc_version orders a document built from several topics (whose offsets are not
-- comparable): it grows by one each time the document is re-indexed, in the same
-- transaction as the sink's positions, so a replay after a crash sends the same versions.
create table artists (
  artist_id uuid primary key,
  name text not null,
  country text,
  genres text[] not null default '{}',
  bio text,
  deleted boolean not null default false,
  last_offset bigint not null
);

create table albums (
  album_id uuid primary key,
  artist_id uuid not null,
  title text not null,
  release_date date not null,
  genre text not null,
  deleted boolean not null default false,
  last_offset bigint not null,
  doc_version bigint not null default 0
);
create index albums_artist on albums (artist_id);

create table tracks (
  track_id uuid primary key,
  album_id uuid not null,
  artist_id uuid not null,
  title text not null,
  genre text not null,
  duration_ms int not null,
  explicit boolean not null,
  deleted boolean not null default false,
  last_offset bigint not null,
  doc_version bigint not null default 0
);
create index tracks_album on tracks (album_id);
create index tracks_artist on tracks (artist_id);

create table posts (
  post_id uuid primary key,
  author_id uuid not null,
  artist_id uuid,
  title text not null,
  body text not null,
  deleted boolean not null default false,
  published_at timestamptz not null,
  last_offset bigint not null
);
