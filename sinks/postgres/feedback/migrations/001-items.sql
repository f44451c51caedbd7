create table items (
  feedback_id uuid primary key,
  user_id uuid,
  category text not null,
  message text not null,
  page text,
  status text not null check (status in ('submitted', 'triaged', 'resolved')),
  priority text,
  assignee_id uuid,
  triage_note text,
  resolution text,
  resolution_note text,
  submitted_at timestamptz not null,
  updated_at timestamptz not null,
  last_offset bigint not null
);
create index items_triage on items (status, priority, submitted_at);
