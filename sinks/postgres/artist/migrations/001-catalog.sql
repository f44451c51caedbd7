-- Artists, their albums and tracks. No foreign keys: the three topics are read in
-- parallel, so an album may arrive before its artist; the relations are indexed columns.
-- Deleted entities keep their row (deleted = true) so a replayed older event cannot
-- bring them back (the last_offset guard refuses it).
create table artists (
  artist_id uuid primary key,
  owner_user_id uuid not null,
  name text not null,
  country text,
  genres text[] not null default '{}',
  bio text,
  deleted boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_offset bigint not null
);
create index artists_owner on artists (owner_user_id);

create table albums (
  album_id uuid primary key,
  artist_id uuid not null,
  title text not null,
  release_date date not null,
  genre text not null,
  cover_url text,
  deleted boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_offset bigint not null
);
create index albums_artist on albums (artist_id, release_date);

create table tracks (
  track_id uuid primary key,
  album_id uuid not null,
  artist_id uuid not null,
  title text not null,
  duration_ms int not null check (duration_ms >= 0),
  track_number int not null,
  genre text not null,
  explicit boolean not null,
  deleted boolean not null default false,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  last_offset bigint not null
);
create index tracks_album on tracks (album_id, track_number);
create index tracks_artist on tracks (artist_id);
