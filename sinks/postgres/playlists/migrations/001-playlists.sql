-- listening.playlist-snapshots (vobe-playlist-snapshots): each playlist as it is now, its
-- entries in order as one JSON array (they are read and written as a whole: a playlist
-- page shows them all, and the topology bounds them to 500). A tombstone (the playlist
-- deleted) keeps the row with deleted = true, so a replayed older snapshot cannot bring
-- it back (the last_offset guard refuses it).
create table playlists (
  playlist_id uuid primary key,
  owner_id uuid not null,
  name text not null,
  visibility text not null,
  entries jsonb not null,
  track_count integer not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  deleted boolean not null,
  last_offset bigint not null
);
-- "My playlists": the owner's, most recently changed first (keyset on updated_at, id).
create index playlists_by_owner on playlists (owner_id, updated_at desc, playlist_id desc)
  where not deleted;
