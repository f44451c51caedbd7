-- From version 2 the posts come from content.post-details, written by the post-details
-- topology: each post with its artist's name and its comment count, computed there and
-- only there (docs/adr/018-derived-fact-owners.md). A deleted post is a tombstone there.
alter table posts
  add column artist_name text,
  add column comment_count bigint not null default 0;
