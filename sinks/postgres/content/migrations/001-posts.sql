create table posts (
  post_id uuid primary key,
  author_id uuid not null,
  artist_id uuid,
  title text not null,
  body text not null,
  deleted boolean not null default false,
  published_at timestamptz not null,
  edited_at timestamptz,
  deleted_at timestamptz,
  last_offset bigint not null
);
create index posts_feed on posts (published_at desc) where not deleted;
create index posts_author on posts (author_id);
create index posts_artist on posts (artist_id) where artist_id is not null;
