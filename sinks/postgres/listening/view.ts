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
 * Plays are appended with one multi-row `insert … on conflict (play_id) do nothing
 * returning …`, and the per-track counters move by what that statement really inserted,
 * in the same statement: a replayed play inserts nothing and counts nothing.
 *
 * TODO(bench): plays are the append-heavy case; measure this multi-row insert against
 * COPY into a temporary table + `insert … select … on conflict do nothing` (bench/) before
 * the listener simulator's volumes. COPY skips per-parameter parsing, but needs the
 * temp-table hop to keep the play_id guard.
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
    const perStatement = Math.floor(60_000 / columns.length);
    for (let start = 0; start < this.plays.length; start += perStatement) {
      const chunk = this.plays.slice(start, start + perStatement);
      const params: unknown[] = [];
      const tuples = chunk.map(
        (p) =>
          `(${columns
            .map((c) => {
              const v = p[c];
              params.push(typeof v === "bigint" ? v.toString() : v);
              return `$${params.length}::${types.get(c)}`;
            })
            .join(", ")})`,
      );
      await client.query(
        `with inserted as (
           insert into ${s}.plays (${columns.map(quote).join(", ")}) values ${tuples.join(", ")}
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
