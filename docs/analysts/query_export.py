"""Plays per day and source from a `vobe export` of listening.plays, with DuckDB.

    vobe export listening.plays          # incremental: run it again for the new plays
    python query_export.py               # EXPORT_DIR, default .stack/exports
"""

import os

import duckdb

export_dir = os.environ.get("EXPORT_DIR", ".stack/exports")
topic = os.environ.get("TOPIC", "listening.plays")

plays = duckdb.read_parquet(
    f"{export_dir}/topic={topic}/*/*.parquet",
    hive_partitioning=True,
    union_by_name=True,
)
print(
    duckdb.sql(
        """
        select event_date, source, count(*) as plays, count(distinct userId) as listeners,
               round(avg(listenedMs) / 1000) as avg_seconds
        from plays
        group by all
        order by event_date, source
        """
    ).fetchall()
)
