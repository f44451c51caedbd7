-- The listening facts are computed by the processors, once (issue 11, docs/adr/018): the
-- view stores the records of their derived topics, latest by offset per key, and counts
-- nothing itself. The plays rows stay: they are the listener's history.
drop table track_counters;

-- listening.track-play-counts (vobe-plays-per-track): each play id once.
create table track_play_counts (
  track_id uuid primary key,
  plays bigint not null,
  completed_plays bigint not null,
  listened_ms bigint not null,
  last_played_at timestamptz,
  last_offset bigint not null
);

-- listening.track-like-counts (vobe-track-like-counts).
create table track_like_counts (
  track_id uuid primary key,
  likes bigint not null,
  last_offset bigint not null
);

-- listening.track-plays-hourly (vobe-plays-per-track): one final record per track and hour.
create table track_plays_hourly (
  track_id uuid not null,
  window_start timestamptz not null,
  window_end timestamptz not null,
  plays bigint not null,
  last_offset bigint not null,
  primary key (track_id, window_start)
);

-- listening.trending (vobe-trending-tracks): the current list per key ("last-hour").
create table trending (
  list text primary key,
  window_start timestamptz not null,
  window_end timestamptz not null,
  -- [{ "trackId": …, "plays": … }], most plays first, as the topology ranked them.
  tracks jsonb not null,
  last_offset bigint not null
);
