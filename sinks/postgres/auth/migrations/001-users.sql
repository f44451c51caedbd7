-- Public profiles of accounts. No password hashes (they stay in the restricted
-- auth.credentials topic, read only by the auth service) and no clear e-mail addresses:
-- only the sha256 of the lower-cased address, the same digest as the identity-claim key,
-- so an account can be found by e-mail without the view holding it. An erased user
-- keeps their row (erased = true) with every personal field cleared.
create table users (
  user_id uuid primary key,
  username text,
  email_sha256 text,
  display_name text,
  role text not null,
  bio text,
  avatar_url text,
  locale text,
  erased boolean not null default false,
  erased_reason text,
  registered_at timestamptz,
  updated_at timestamptz not null,
  last_offset bigint not null
);
create unique index users_username on users (lower(username)) where not erased;
create index users_email on users (email_sha256) where not erased;
