import { join } from "node:path";
import type { PoolClient } from "../../../platform/postgres/pool.ts";
import { TrackLiked, TrackPlayed, TrackUnliked } from "../../../schemas/generated/listening.ts";
import {
  type BatchScope,
  defineView,
  on,
  quote,
  RejectedRecord,
  RowWriter,
  written,
} from "../../engine/index.ts";

/**
 * Plays are appended with one `insert … select … from unnest(<one array per column>)
 * on conflict (play_id) do nothing returning …`, and the per-track counters move by what
 * that statement really inserted, in the same statement: a replayed play inserts nothing
 * and counts nothing. Ten array parameters instead of ten per play: on catch-up batches
 * (tens of thousands of plays) it measured ~1.5× the multi-row VALUES insert and beat COPY
 * into a staging table up to ~1,000 rows (bench/sinks, docs/adr/014-sink-batches-upsert-or-copy.md).
 */
class ListeningBatch {
  readonly rows: RowWriter;
  readonly plays: Array<Record<string, unknown>> = [];
  readonly likedTracks = new Set<string>();

  constructor(private readonly scope: BatchScope) {
    this.rows = new RowWriter(scope.schema, scope.columns);
  }

  async flush(client: PoolClient): Promise<void> {
    const s = quote(this.scope.schema);
    const columns = [
      "play_id",
      "track_id",
      "user_id",
      "listened_ms",
      "track_duration_ms",
      "completed",
      "source",
      "played_at",
      "partition",
      "offset",
    ] as const;
    const types = this.scope.columns.get("plays") as ReadonlyMap<string, string>;
    const list = columns.map(quote).join(", ");
    const arrays = columns.map((c, i) => `$${i + 1}::${types.get(c)}[]`).join(", ");
    // Bounded so one statement's arrays stay a few MB.
    const perStatement = 20_000;
    for (let start = 0; start < this.plays.length; start += perStatement) {
      const chunk = this.plays.slice(start, start + perStatement);
      const params = columns.map((c) =>
        chunk.map((p) => {
          const v = p[c];
          return typeof v === "bigint" ? v.toString() : v;
        }),
      );
      await client.query(
        `with inserted as (
           insert into ${s}.plays (${list})
           select ${list} from unnest(${arrays}) as u(${list})
           on conflict (play_id) do nothing
           returning track_id, listened_ms, completed, played_at
         )
         insert into ${s}.track_counters as c (track_id, plays, completed_plays, listened_ms, last_played_at)
         select track_id, count(*), count(*) filter (where completed), sum(listened_ms), max(played_at)
           from inserted group by track_id
         on conflict (track_id) do update set
           plays = c.plays + excluded.plays,
           completed_plays = c.completed_plays + excluded.completed_plays,
           listened_ms = c.listened_ms + excluded.listened_ms,
           last_played_at = greatest(c.last_played_at, excluded.last_played_at)`,
        params,
      );
    }
    await this.rows.flush(client);
    if (this.likedTracks.size > 0) {
      // Recounted, not incremented: the same answer however often a like is replayed.
      await client.query(
        `insert into ${s}.track_counters as c (track_id, likes)
         select t, (select count(*) from ${s}.likes l where l.track_id = t and l.liked)
           from unnest($1::uuid[]) as t
         on conflict (track_id) do update set likes = excluded.likes`,
        [[...this.likedTracks]],
      );
    }
  }
}

const like = ["track_id", "user_id"];

/** Plays, per-track counters and likes (listening database). */
export const listeningView = defineView<ListeningBatch>({
  name: "listening",
  database: "listening",
  migrationsDir: join(import.meta.dirname, "migrations"),
  events: [TrackPlayed, TrackLiked, TrackUnliked],
  state: (scope) => new ListeningBatch(scope),
  handlers: [
    on(TrackPlayed, (e, batch, r) => {
      if (e.listenedMs < 0 || e.trackDurationMs < 0) {
        throw new RejectedRecord(
          `negative duration (listenedMs ${e.listenedMs}, trackDurationMs ${e.trackDurationMs})`,
        );
      }
      batch.plays.push({
        play_id: e.playId,
        track_id: e.trackId,
        user_id: e.userId,
        listened_ms: e.listenedMs,
        track_duration_ms: e.trackDurationMs,
        completed: e.completed,
        source: e.source,
        played_at: e.occurredAt,
        partition: r.record.partition,
        offset: r.record.offset,
      });
    }),
    on(TrackLiked, (e, batch, r) => {
      batch.rows.upsert("likes", like, {
        track_id: e.trackId,
        user_id: e.userId,
        liked: true,
        updated_at: e.occurredAt,
        ...written(r),
      });
      batch.likedTracks.add(e.trackId);
    }),
    on(TrackUnliked, (e, batch, r) => {
      batch.rows.upsert("likes", like, {
        track_id: e.trackId,
        user_id: e.userId,
        liked: false,
        updated_at: e.occurredAt,
        ...written(r),
      });
      batch.likedTracks.add(e.trackId);
    }),
  ],
});
