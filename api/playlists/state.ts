/**
 * Playlists as they are now, for the write checks (owner, entries): the latest snapshot per
 * playlist that vobe-playlist-snapshots keeps (processors/topologies/playlist-snapshots.ts).
 */
import * as generated from "../../schemas/generated/index.ts";
import type { EventTypes } from "../events/event-types.ts";
import { applicationGroup, createDerivedView, derivedType } from "../state/derived-view.ts";
import type { TopicView, ViewSource } from "../state/topic-view.ts";

export interface PlaylistCheckRow {
  ownerId: string;
  visibility: generated.PlaylistVisibility;
  entryIds: ReadonlySet<string>;
}

export type PlaylistsState = Map<string, PlaylistCheckRow>;

export function createPlaylistsView(
  source: ViewSource,
  types: EventTypes,
): TopicView<PlaylistsState> {
  const snapshot = derivedType(types, generated.PlaylistSnapshot);
  return createDerivedView<PlaylistsState>({
    name: "playlists",
    topics: [snapshot.topic],
    inputs: [types.PlaylistCreated.topic],
    application: applicationGroup(types, "playlist-snapshots"),
    source,
    initial: new Map(),
    onTombstone: (s, playlistId) => s.delete(playlistId),
  }).on(snapshot, (s, e) =>
    s.set(e.playlistId, {
      ownerId: e.ownerId,
      visibility: e.visibility,
      entryIds: new Set(e.entries.map((x) => x.entryId)),
    }),
  );
}
