-- Every play, appended once (play_id is the guard: a replayed play inserts nothing),
-- and per-track counters moved only by the plays that were actually inserted.
create table plays (
  play_id uuid primary key,
  track_id uuid not null,
  user_id uuid not null,
  listened_ms int not null check (listened_ms >= 0),
  track_duration_ms int not null check (track_duration_ms >= 0),
  completed boolean not null,
  source text not null,
  played_at timestamptz not null,
  "partition" int not null,
  "offset" bigint not null
);
create index plays_by_user on plays (user_id, played_at desc);
create index plays_by_track on plays (track_id, played_at desc);

create table track_counters (
  track_id uuid primary key,
  plays bigint not null default 0,
  completed_plays bigint not null default 0,
  listened_ms bigint not null default 0,
  likes bigint not null default 0,
  last_played_at timestamptz
);

-- The latest like state of a user for a track (likes are keyed by track: one partition).
create table likes (
  track_id uuid not null,
  user_id uuid not null,
  liked boolean not null,
  updated_at timestamptz not null,
  last_offset bigint not null,
  primary key (track_id, user_id)
);
create index likes_by_user on likes (user_id) where liked;
