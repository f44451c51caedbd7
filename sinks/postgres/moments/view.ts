import { join } from "node:path";
import { TrackMomentDeleted, TrackMomentPosted } from "../../../schemas/generated/comment.ts";
import { viewContracts } from "../../contract.ts";
import { defineView, on, type RowWriter, written } from "../../engine/index.ts";

const key = ["moment_id"];

/**
 * Moments by track (ADR-028): one row per moment, soft-deleted. It lives in the comment
 * database beside the comment view, as its own view, so that adding it rebuilt nothing.
 */
export const momentsView = defineView<RowWriter>({
  name: "moments",
  ...viewContracts.moments,
  migrationsDir: join(import.meta.dirname, "migrations"),
  handlers: [
    on(TrackMomentPosted, (e, rows, r) =>
      rows.upsert("track_moments", key, {
        moment_id: e.momentId,
        track_id: e.trackId,
        author_id: e.authorId,
        at_ms: e.atMs,
        body: e.body,
        deleted: false,
        created_at: e.occurredAt,
        deleted_at: null,
        ...written(r),
      }),
    ),
    on(TrackMomentDeleted, (e, rows, r) =>
      rows.patch("track_moments", key, {
        moment_id: e.momentId,
        deleted: true,
        deleted_at: e.occurredAt,
        ...written(r),
      }),
    ),
  ],
});
