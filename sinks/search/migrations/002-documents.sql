-- The search view keeps no state of its own: it maps records of the processors' topics to
-- documents (sinks/search/view.ts). A version's schema holds only the sink's positions
-- (sink_offsets, created by the sink engine), committed with each bulk of documents.
-- Version 1's staging tables (001-state.sql: artists, albums, tracks and posts, joined in
-- SQL) left with the definition that used them; minVersion 2 keeps this code off them.
select 1;
