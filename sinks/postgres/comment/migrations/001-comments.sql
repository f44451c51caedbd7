create table comments (
  comment_id uuid primary key,
  post_id uuid not null,
  author_id uuid not null,
  parent_comment_id uuid,
  body text not null,
  deleted boolean not null default false,
  created_at timestamptz not null,
  edited_at timestamptz,
  deleted_at timestamptz,
  last_offset bigint not null
);
create index comments_by_post on comments (post_id, created_at);
create index comments_by_parent on comments (parent_comment_id) where parent_comment_id is not null;
