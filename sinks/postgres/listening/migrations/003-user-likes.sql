-- listening.user-likes (vobe-track-like-counts): who likes which track now and since when
-- (the first like of the current run: a second like changes nothing). A tombstone (the
-- like withdrawn) keeps the row with liked = false, so a replayed older record cannot
-- bring the like back (the last_offset guard refuses it).
create table user_likes (
  user_id uuid not null,
  track_id uuid not null,
  liked boolean not null,
  liked_at timestamptz,
  last_offset bigint not null,
  primary key (user_id, track_id)
);
-- "My library": my liked tracks, newest like first (keyset on liked_at, track_id).
create index user_likes_library on user_likes (user_id, liked_at desc, track_id desc) where liked;
