import { join } from "node:path";
import { PlaylistSnapshot } from "../../../schemas/generated/listening.ts";
import { viewContracts } from "../../contract.ts";
import {
  defineView,
  onState,
  RejectedRecord,
  type RowWriter,
  written,
} from "../../engine/index.ts";

/**
 * Playlists as vobe-playlist-snapshots has them (docs/adr/027-playlists.md): one row per
 * snapshot key, latest by offset; nothing is folded here. It lives in the listening
 * database beside the listening view, as its own view, so that adding it needed no
 * rebuild of the listening view's plays.
 */
export const playlistsView = defineView<RowWriter>({
  name: "playlists",
  ...viewContracts.playlists,
  migrationsDir: join(import.meta.dirname, "migrations"),
  handlers: [
    onState(PlaylistSnapshot, (state, rows, r) => {
      if (r.key === null) throw new RejectedRecord("a playlist snapshot without a key");
      if (state === null) {
        rows.patch("playlists", ["playlist_id"], {
          playlist_id: r.key,
          deleted: true,
          ...written(r),
        });
        return;
      }
      rows.upsert("playlists", ["playlist_id"], {
        playlist_id: state.playlistId,
        owner_id: state.ownerId,
        name: state.name,
        visibility: state.visibility,
        // Text, not an array: pg would send a JS array as a Postgres array literal.
        entries: JSON.stringify(
          state.entries.map((e) => ({
            entryId: e.entryId,
            trackId: e.trackId,
            addedAt: e.addedAt.toISOString(),
          })),
        ),
        track_count: state.entries.length,
        created_at: state.createdAt,
        updated_at: state.updatedAt,
        deleted: false,
        ...written(r),
      });
    }),
  ],
});
