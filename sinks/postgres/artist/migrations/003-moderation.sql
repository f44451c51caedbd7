-- Moderation (docs/adr/021-moderation.md): an admin's takedown in force on a row, its
-- reason and time; null when the entity is public. The read API hides a taken-down row,
-- and the rows under it (an artist's albums and tracks, an album's tracks), from everyone
-- but the owner and admins. From version 2: the stable schema's views must show the columns.
alter table artists add column takedown_reason text, add column taken_down_at timestamptz;
alter table albums add column takedown_reason text, add column taken_down_at timestamptz;
alter table tracks add column takedown_reason text, add column taken_down_at timestamptz;
