/**
 * Each playlist as it is now: its owner, name, visibility and entries in order. The one
 * owner of that fact (docs/adr/027-playlists.md): the listening view stores these records
 * and the write API checks ownership and entries against them.
 *
 *   listening.playlists ─▶ entity table ─▶ listening.playlist-snapshots  (deleted: tombstone)
 *
 * Events keyed by playlist id arrive in order, so a move or a removal always meets the
 * list as the owner saw it when the API checked the command. Anything that no longer fits
 * (an entry already removed, an entry id already added by a resent command, a full list)
 * is ignored here rather than refused, because the log cannot refuse what it holds.
 */
import {
  PlaylistCreated,
  PlaylistDeleted,
  PlaylistRenamed,
  type PlaylistSnapshot,
  PlaylistSnapshot as PlaylistSnapshotType,
  PlaylistTrackAdded,
  PlaylistTrackMoved,
  PlaylistTrackRemoved,
  type PlaylistVisibility,
  PlaylistVisibilityChanged,
} from "../../schemas/generated/index.ts";
import { StreamsBuilder, type Topology } from "../engine/index.ts";
import { type DecodedEvent, isEvent } from "../serdes/avro.ts";
import type { TopologyOptions } from "./common.ts";
import { snapshots } from "./snapshots.ts";

/** A playlist's entries are kept in one snapshot record: this bounds its size (~40 KB). */
export const maxPlaylistEntries = 500;

export const playlistEvents = [
  PlaylistCreated,
  PlaylistRenamed,
  PlaylistTrackAdded,
  PlaylistTrackMoved,
  PlaylistTrackRemoved,
  PlaylistVisibilityChanged,
  PlaylistDeleted,
] as const;

export interface PlaylistEntryRow {
  entryId: string;
  trackId: string;
  addedAt: number;
}

/** A playlist as its store keeps it: times in epoch ms (JSON), Dates only in the record. */
export interface PlaylistRow {
  playlistId: string;
  ownerId: string;
  name: string;
  visibility: PlaylistVisibility;
  createdAt: number;
  updatedAt: number;
  entries: PlaylistEntryRow[];
}

const clamp = (position: number | null, length: number) =>
  position === null || position > length ? length : Math.max(0, position);

function insertAt<T>(list: readonly T[], position: number | null, item: T): T[] {
  const at = clamp(position, list.length);
  return [...list.slice(0, at), item, ...list.slice(at)];
}

/** The playlist after `event` (at: its event time); null deletes it. */
export function applyPlaylist(
  row: PlaylistRow | null,
  event: DecodedEvent,
  at: number,
): PlaylistRow | null {
  if (isEvent(event, PlaylistCreated)) {
    // Created once: a resent or replayed creation changes nothing.
    if (row) return row;
    const { playlistId, ownerId, name, visibility } = event.value;
    return { playlistId, ownerId, name, visibility, createdAt: at, updatedAt: at, entries: [] };
  }
  if (!row) return null;
  if (isEvent(event, PlaylistDeleted)) return null;
  if (isEvent(event, PlaylistRenamed)) return { ...row, name: event.value.name, updatedAt: at };
  if (isEvent(event, PlaylistVisibilityChanged)) {
    return { ...row, visibility: event.value.visibility, updatedAt: at };
  }
  const indexOf = (entryId: string) => row.entries.findIndex((e) => e.entryId === entryId);
  if (isEvent(event, PlaylistTrackAdded)) {
    const { entryId, trackId, position } = event.value;
    if (indexOf(entryId) >= 0 || row.entries.length >= maxPlaylistEntries) return row;
    const entries = insertAt(row.entries, position, { entryId, trackId, addedAt: at });
    return { ...row, entries, updatedAt: at };
  }
  if (isEvent(event, PlaylistTrackMoved)) {
    const index = indexOf(event.value.entryId);
    if (index < 0) return row;
    const entry = row.entries[index] as PlaylistEntryRow;
    const rest = row.entries.filter((_, i) => i !== index);
    return { ...row, entries: insertAt(rest, event.value.position, entry), updatedAt: at };
  }
  if (isEvent(event, PlaylistTrackRemoved)) {
    if (indexOf(event.value.entryId) < 0) return row;
    const entries = row.entries.filter((e) => e.entryId !== event.value.entryId);
    return { ...row, entries, updatedAt: at };
  }
  return row;
}

export function playlistRecord(
  row: PlaylistRow,
): Omit<PlaylistSnapshot, "eventId" | "occurredAt" | "actor"> {
  return {
    ...row,
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    entries: row.entries.map((e) => ({ ...e, addedAt: new Date(e.addedAt) })),
  };
}

export function playlistSnapshotsTopology(options: TopologyOptions): Topology {
  const builder = new StreamsBuilder();
  snapshots(
    builder,
    options.serdes,
    "playlist-snapshots",
    playlistEvents,
    applyPlaylist,
    PlaylistSnapshotType,
    playlistRecord,
  );
  return builder.build();
}
