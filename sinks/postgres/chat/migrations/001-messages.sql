create table messages (
  message_id uuid primary key,
  conversation_id uuid not null,
  kind text not null check (kind in ('user', 'reply')),
  user_id uuid,
  in_reply_to uuid,
  text text not null,
  model text,
  prompt_tokens int,
  completion_tokens int,
  sent_at timestamptz not null,
  last_offset bigint not null
);
create index messages_by_conversation on messages (conversation_id, sent_at, message_id);

-- A user's conversations, derived from the messages (no state of its own to keep exact).
create view conversations as
select conversation_id,
       (array_agg(user_id order by sent_at) filter (where user_id is not null))[1] as user_id,
       min(sent_at) as started_at,
       max(sent_at) as last_message_at,
       count(*) as messages
  from messages
 group by conversation_id;
