/**
 * Playlists for the pages: a playlist with its tracks read from the catalog (the playlists
 * view keeps track ids, in order), and the player's source for "play the playlist".
 *
 *   const p = await readPlaylist(id, after);   // after: a command's 202 position (read your write)
 *   player.playAll(p.entries.map((e) => e.player).filter(Boolean), playlistSource(p));
 */
import { type Answer, api } from "../api/client.ts";
import { type Track, tracksById } from "../api/tracks.ts";
import { type PlayerTrack, type QueueSource, toPlayerTrack } from "../stores/player.ts";

export type Playlist = Answer<"/api/listening/playlists/{playlistId}">;
export type PlaylistSummary = Answer<"/api/listening/me/playlists">["items"][number];

export interface LoadedEntry {
  entryId: string;
  trackId: string;
  addedAt: string;
  /** Undefined when the track cannot be read now (deleted, taken down, a failure). */
  track: Track | undefined;
  player: PlayerTrack | undefined;
}

export interface LoadedPlaylist extends Omit<Playlist, "entries"> {
  entries: LoadedEntry[];
}

export async function readPlaylist(
  playlistId: string,
  after?: string,
  signal?: AbortSignal,
): Promise<LoadedPlaylist> {
  const playlist = await api.get("/api/listening/playlists/{playlistId}", {
    path: { playlistId },
    // A busy platform may take more than the default 2 s to show a write: wait up to 10 s.
    query: after ? { after, wait: "10000" } : {},
    ...(signal ? { signal } : {}),
  });
  const tracks = await tracksById(
    playlist.entries.map((e) => e.trackId),
    signal,
  );
  return {
    ...playlist,
    entries: playlist.entries.map((e) => {
      const track = tracks.get(e.trackId);
      return { ...e, track, player: track ? toPlayerTrack(track) : undefined };
    }),
  };
}

export const playlistSource = (p: { playlistId: string; name: string }): QueueSource => ({
  kind: "playlist",
  label: p.name,
  to: `/playlists/${p.playlistId}`,
});

/** The share link: the playlist's own page, which anyone can open while it is public. */
export const shareLink = (playlistId: string) =>
  new URL(`/playlists/${playlistId}`, window.location.origin).toString();
