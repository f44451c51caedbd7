-- The username index must not be unique. The sink reads auth.users' partitions side by
-- side, so when an erasure releases a username and a new account takes it, the new
-- account's UserRegistered (one partition) can be applied before the old account's
-- UserErased (another partition): a unique index refused it and the registration was
-- dead-lettered, leaving the account out of the view. Uniqueness is decided by the
-- identity claims in the log (docs/adr/009-write-path-checks.md), not by the view; once
-- the view has caught up, at most one account that is not erased has a given username.
drop index users_username;
create index users_username on users (lower(username)) where not erased;
