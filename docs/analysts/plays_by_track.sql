-- Plays per track and source, with the track's title: the analytics database
-- (./vobe connect up), as the read-only role vobe_analyst.
select t.title, p.source, count(*)::int as plays,
       round(avg(p.listened_ms) / 1000) as avg_seconds
from plays p
join tracks t using (track_id)
group by t.title, p.source
order by plays desc, t.title, p.source
limit 20;
