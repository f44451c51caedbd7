import { join } from "node:path";
import type { PoolClient } from "../../../platform/postgres/pool.ts";
import {
  TrackLikeCount,
  TrackLiked,
  TrackPlayCount,
  TrackPlayed,
  TrackPlaysHourly,
  TrackUnliked,
  TrendingTracks,
  UserTrackLike,
} from "../../../schemas/generated/listening.ts";
import { viewContracts } from "../../contract.ts";
import {
  type BatchScope,
  defineView,
  on,
  onState,
  quote,
  RejectedRecord,
  RowWriter,
  written,
} from "../../engine/index.ts";

/**
 * The listening view maps records to rows and computes nothing (issue 11): the per-track
 * facts (plays, completed plays, time listened, last play, likes, hourly counts, the
 * trending list) are the processors' records, stored latest by offset per key; the plays
 * and likes rows are the listener's own history.
 *
 * Plays are appended with one `insert … select … from unnest(<one array per column>)
 * on conflict (play_id) do nothing`: a replayed play inserts nothing. Ten array
 * parameters instead of ten per play: on catch-up batches (tens of thousands of plays) it
 * measured ~1.5× the multi-row VALUES insert and beat COPY into a staging table up to
 * ~1,000 rows (bench/sinks, docs/adr/014-sink-batches-upsert-or-copy.md).
 */
class ListeningBatch {
  readonly rows: RowWriter;
  readonly plays: Array<Record<string, unknown>> = [];

  constructor(private readonly scope: BatchScope) {
    this.rows = new RowWriter(scope.schema, scope.columns);
  }

  async flush(client: PoolClient): Promise<void> {
    await insertPlays(client, this.scope, this.plays);
    await this.rows.flush(client);
  }
}

const playColumns = [
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

/** Appends plays rows (a play id already there is skipped). Exported for bench/sinks. */
export async function insertPlays(
  client: PoolClient,
  scope: Pick<BatchScope, "schema" | "columns">,
  plays: ReadonlyArray<Record<string, unknown>>,
): Promise<void> {
  const types = scope.columns.get("plays") as ReadonlyMap<string, string>;
  const list = playColumns.map(quote).join(", ");
  const arrays = playColumns.map((c, i) => `$${i + 1}::${types.get(c)}[]`).join(", ");
  // Bounded so one statement's arrays stay a few MB.
  const perStatement = 20_000;
  for (let start = 0; start < plays.length; start += perStatement) {
    const chunk = plays.slice(start, start + perStatement);
    const params = playColumns.map((c) =>
      chunk.map((p) => {
        const v = p[c];
        return typeof v === "bigint" ? v.toString() : v;
      }),
    );
    await client.query(
      `insert into ${quote(scope.schema)}.plays (${list})
       select ${list} from unnest(${arrays}) as u(${list})
       on conflict (play_id) do nothing`,
      params,
    );
  }
}

const like = ["track_id", "user_id"];

const byTrack = ["track_id"];

/**
 * Plays and likes rows from the listening topics; per-track play and like counts, hourly
 * counts and the trending list from the derived topics the processors write.
 */
export const listeningView = defineView<ListeningBatch>({
  name: "listening",
  ...viewContracts.listening,
  migrationsDir: join(import.meta.dirname, "migrations"),
  // v1 counted plays itself (track_counters): a v1 still live is rebuilt from offset 0.
  // v3: user_likes (003-user-likes.sql); the stable schema's views are made at a swap, so
  // a table added to a live v2 would not be readable.
  minVersion: 3,
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
    }),
    on(TrackUnliked, (e, batch, r) => {
      batch.rows.upsert("likes", like, {
        track_id: e.trackId,
        user_id: e.userId,
        liked: false,
        updated_at: e.occurredAt,
        ...written(r),
      });
    }),
    on(TrackPlayCount, (e, batch, r) => {
      batch.rows.upsert("track_play_counts", byTrack, {
        track_id: e.trackId,
        plays: e.plays,
        completed_plays: e.completedPlays,
        listened_ms: e.listenedMs,
        last_played_at: e.lastPlayedAt,
        ...written(r),
      });
    }),
    on(TrackLikeCount, (e, batch, r) => {
      batch.rows.upsert("track_like_counts", byTrack, {
        track_id: e.trackId,
        likes: e.likes,
        ...written(r),
      });
    }),
    on(TrackPlaysHourly, (e, batch, r) => {
      batch.rows.upsert("track_plays_hourly", ["track_id", "window_start"], {
        track_id: e.trackId,
        window_start: e.windowStart,
        window_end: e.windowEnd,
        plays: e.plays,
        ...written(r),
      });
    }),
    // "<trackId>/<userId>" → likes since likedAt; a tombstone: no longer liked.
    onState(UserTrackLike, (state, batch, r) => {
      const [trackId, userId] = String(r.key).split("/");
      if (!trackId || !userId) throw new RejectedRecord(`a user like keyed ${String(r.key)}`);
      batch.rows.upsert("user_likes", ["user_id", "track_id"], {
        user_id: userId,
        track_id: trackId,
        liked: state !== null,
        liked_at: state?.likedAt ?? null,
        ...written(r),
      });
    }),
    on(TrendingTracks, (e, batch, r) => {
      if (r.key === null) throw new RejectedRecord("a trending list without a key");
      batch.rows.upsert("trending", ["list"], {
        list: r.key,
        window_start: e.windowStart,
        window_end: e.windowEnd,
        // Text, not an array: pg would send a JS array as a Postgres array literal.
        tracks: JSON.stringify(
          e.tracks.map((t) => ({ trackId: t.trackId, plays: Number(t.plays) })),
        ),
        ...written(r),
      });
    }),
  ],
});
