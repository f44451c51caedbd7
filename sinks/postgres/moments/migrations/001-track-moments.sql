create table track_moments (
  moment_id uuid primary key,
  track_id uuid not null,
  author_id uuid not null,
  at_ms bigint not null,
  body text not null,
  deleted boolean not null default false,
  created_at timestamptz not null,
  deleted_at timestamptz,
  last_offset bigint not null
);
create index track_moments_by_track on track_moments (track_id, at_ms, moment_id) where not deleted;
