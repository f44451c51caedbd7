/**
 * The moments of the playing track (ADR-028): comments at a point of it, shown along the
 * player's progress bar. Loaded when the track changes, kept in order of the track, and
 * changed by the live stream (others' moments) and by one's own writes, which are read back
 * with the 202's position as `after=` so they show at once.
 *
 *   moments.show(trackId);                 // loads its moments (undefined: none)
 *   await moments.post(61_500, "the drop"); // at 1:01 of the playing track
 */
import { defineStore } from "pinia";
import { ref } from "vue";
import { type Answer, api, positionsOf } from "../api/client.ts";

export type Moment = Answer<"/api/comment/tracks/{trackId}/moments">["items"][number];

/** Moments drawn on one bar at most: a track with more shows its first ones by position. */
export const maxMoments = 300;

const byPoint = (a: Moment, b: Moment) =>
  a.atMs - b.atMs || (a.momentId < b.momentId ? -1 : a.momentId > b.momentId ? 1 : 0);

export const useMoments = defineStore("moments", () => {
  const trackId = ref<string>();
  const items = ref<Moment[]>([]);
  const loading = ref(false);
  const error = ref<unknown>();
  // A newer load (another track) makes an older one's answer stale.
  let generation = 0;

  async function load(after?: string) {
    const id = trackId.value;
    const mine = ++generation;
    if (!id) {
      items.value = [];
      return;
    }
    loading.value = true;
    error.value = undefined;
    try {
      const read: Moment[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.get("/api/comment/tracks/{trackId}/moments", {
          path: { trackId: id },
          query: { limit: "100", ...(cursor ? { cursor } : {}), ...(after ? { after } : {}) },
        });
        read.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && read.length < maxMoments);
      if (mine === generation) items.value = read.slice(0, maxMoments);
    } catch (e) {
      if (mine === generation) error.value = e;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }

  /** Shows the moments of `id` (the playing track); nothing to do if it is shown already. */
  function show(id: string | undefined) {
    if (id === trackId.value) return;
    trackId.value = id;
    items.value = [];
    void load();
  }

  /** A moment from the live stream or one's own write; a second copy changes nothing. */
  function added(moment: Moment) {
    if (moment.trackId !== trackId.value) return;
    if (items.value.some((m) => m.momentId === moment.momentId)) return;
    items.value = [...items.value, moment].sort(byPoint);
  }

  function removed(momentId: string) {
    items.value = items.value.filter((m) => m.momentId !== momentId);
  }

  async function post(atMs: number, body: string): Promise<string> {
    const id = trackId.value;
    if (!id) throw new Error("no track is playing");
    const accepted = await api.send("post", "/api/comment/tracks/{trackId}/moments", {
      path: { trackId: id },
      body: { atMs: Math.round(atMs), body },
    });
    await load(positionsOf(accepted));
    return accepted.id;
  }

  async function remove(momentId: string) {
    await api.send("delete", "/api/comment/moments/{id}", { path: { id: momentId } });
    removed(momentId);
  }

  return { trackId, items, loading, error, show, load, added, removed, post, remove };
});
