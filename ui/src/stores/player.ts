/**
 * The player's queue and state, kept for the whole app (the player bar outlives pages).
 * The store decides what plays; PlayerBar.vue owns the one <audio> element and follows it.
 *
 *   player.playAll(albumTracks, { kind: "album", label: title, to: `/albums/${id}` });
 *   player.playNext([track], source);   // right after the current entry, before the rest
 *   player.next();                      // false at the end of the queue (playback stops)
 *
 * Tracks without audio stay in the queue, marked, and are skipped: next and previous step
 * over them, and starting on one starts at the next playable entry.
 *
 * The queue, the current entry and the volume are kept in localStorage, so a reload finds
 * them again (paused: a page load never starts sound by itself).
 */
import { defineStore } from "pinia";
import { computed, ref, watch } from "vue";

export interface PlayerTrack {
  trackId: string;
  title: string;
  artistName?: string;
  albumTitle?: string;
  durationMs: number;
  audio: { url: string; mimeType: string; durationMs: number } | null;
}

/** Where an entry came from, shown in the queue (and a link back to it). */
export interface QueueSource {
  kind: "album" | "artist" | "track" | "search" | "playlist" | "guide";
  label: string;
  to: string;
}

export interface QueueEntry {
  /** Unique within the queue: the same track may be queued twice. */
  key: number;
  track: PlayerTrack;
  source: QueueSource;
}

export const playable = (track: PlayerTrack) => track.audio !== null;

const storageKey = "vobe.player";
interface Saved {
  queue: QueueEntry[];
  index: number;
  volume: number;
}

function restore(): Saved | undefined {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey) ?? "null") as Saved | null;
    if (!saved || !Array.isArray(saved.queue) || typeof saved.index !== "number") return undefined;
    return saved;
  } catch {
    return undefined;
  }
}

export const usePlayer = defineStore("player", () => {
  const saved = restore();
  const queue = ref<QueueEntry[]>(saved?.queue ?? []);
  /** The current entry's index, -1 when nothing was started. */
  const index = ref(saved && saved.index < saved.queue.length ? saved.index : -1);
  /** Whether the person wants it playing (the element follows; it may still be loading). */
  const playing = ref(false);
  const volume = ref(typeof saved?.volume === "number" ? saved.volume : 1);
  /** Bumped whenever the current entry should start from its beginning (even the same one). */
  const generation = ref(0);
  /** Plays recorded by this player (usePlayCounter), so a page can read its counts again. */
  const counted = ref<{ trackId: string; times: number }>();
  let nextKey = Math.max(0, ...queue.value.map((e) => e.key)) + 1;

  watch(
    [queue, index, volume],
    () => {
      try {
        const keep: Saved = { queue: queue.value, index: index.value, volume: volume.value };
        localStorage.setItem(storageKey, JSON.stringify(keep));
      } catch {
        // Storage full or refused (private mode): the queue lives as long as the page.
      }
    },
    // Written at once: a reload right after a click must find it.
    { deep: true, flush: "sync" },
  );

  const current = computed(() => queue.value[index.value]);
  const upcoming = computed(() => queue.value.slice(index.value + 1));

  const entries = (tracks: PlayerTrack[], source: QueueSource) =>
    tracks.map((track) => ({ key: nextKey++, track, source }));

  /** The first playable index from `from` in direction `step`, or -1. */
  function seek(from: number, step: 1 | -1): number {
    for (let i = from; i >= 0 && i < queue.value.length; i += step) {
      const entry = queue.value[i];
      if (entry && playable(entry.track)) return i;
    }
    return -1;
  }

  function start(at: number): boolean {
    if (at < 0) {
      playing.value = false;
      return false;
    }
    index.value = at;
    playing.value = true;
    generation.value++;
    return true;
  }

  /** Replaces the queue with `tracks` and plays from `startAt` (or the next playable one). */
  function playAll(tracks: PlayerTrack[], source: QueueSource, startAt = 0): boolean {
    queue.value = entries(tracks, source);
    index.value = -1;
    return start(seek(startAt, 1));
  }

  /** Appends to the end of the queue; starts playing if nothing was. */
  function add(tracks: PlayerTrack[], source: QueueSource) {
    const first = queue.value.length;
    queue.value.push(...entries(tracks, source));
    if (!current.value) start(seek(first, 1));
  }

  /** Inserts right after the current entry, before the rest; starts if nothing was. */
  function playNext(tracks: PlayerTrack[], source: QueueSource) {
    const at = index.value + 1;
    queue.value.splice(at, 0, ...entries(tracks, source));
    if (!current.value) start(seek(at, 1));
  }

  /** Inserts after the current entry and plays it at once (the rest of the queue stays). */
  function playNow(tracks: PlayerTrack[], source: QueueSource): boolean {
    const at = index.value + 1;
    queue.value.splice(at, 0, ...entries(tracks, source));
    return start(seek(at, 1));
  }

  function next(): boolean {
    const at = seek(index.value + 1, 1);
    if (at < 0) {
      // The end of the queue: stop on the last entry.
      playing.value = false;
      return false;
    }
    return start(at);
  }

  function previous(): boolean {
    const at = seek(index.value - 1, -1);
    // At the start, "previous" plays the first entry again from its beginning.
    return at < 0 ? start(current.value ? index.value : -1) : start(at);
  }

  /** Plays the entry at `at` now (a click in the queue). */
  function jump(at: number): boolean {
    const entry = queue.value[at];
    return !!entry && playable(entry.track) && start(at);
  }

  /** Moves an entry one place up (-1) or down (+1); the current one stays current. */
  function move(at: number, delta: -1 | 1) {
    const to = at + delta;
    const list = queue.value;
    const a = list[at];
    const b = list[to];
    if (!a || !b) return;
    list[at] = b;
    list[to] = a;
    if (index.value === at) index.value = to;
    else if (index.value === to) index.value = at;
  }

  /** Removes an entry; removing the current one plays the next (or stops at the end). */
  function remove(at: number) {
    if (!queue.value[at]) return;
    queue.value.splice(at, 1);
    if (at < index.value) index.value--;
    else if (at === index.value) {
      const wasPlaying = playing.value;
      const following = seek(at, 1);
      if (following < 0) {
        index.value = queue.value.length === 0 ? -1 : Math.min(at, queue.value.length) - 1;
        playing.value = false;
        // The removed track's audio must not come back on "play": load the new current one.
        generation.value++;
      } else {
        start(following);
        playing.value = wasPlaying;
      }
    }
  }

  function clear() {
    queue.value = [];
    index.value = -1;
    playing.value = false;
    generation.value++;
  }

  function toggle() {
    if (current.value) playing.value = !playing.value;
  }

  function markCounted(trackId: string) {
    counted.value = { trackId, times: (counted.value?.times ?? 0) + 1 };
  }

  function setVolume(value: number) {
    volume.value = Math.min(1, Math.max(0, value));
  }

  return {
    queue,
    index,
    playing,
    volume,
    generation,
    counted,
    current,
    upcoming,
    playAll,
    add,
    playNext,
    playNow,
    next,
    previous,
    jump,
    move,
    remove,
    clear,
    toggle,
    markCounted,
    setVolume,
  };
});

/** A track read (album or track route) as the player needs it. */
export function toPlayerTrack(
  track: {
    trackId: string;
    title: string;
    durationMs: number;
    audio: { url: string; mimeType: string; durationMs: number } | null;
  },
  context: { artistName?: string | undefined; albumTitle?: string | undefined } = {},
): PlayerTrack {
  const { trackId, title, durationMs, audio } = track;
  const out: PlayerTrack = { trackId, title, durationMs, audio: audio ?? null };
  if (audio) out.audio = { url: audio.url, mimeType: audio.mimeType, durationMs: audio.durationMs };
  if (context.artistName) out.artistName = context.artistName;
  if (context.albumTitle) out.albumTitle = context.albumTitle;
  return out;
}
