/**
 * A play is recorded when it counts, never on a click: once 30 s, or half of a shorter
 * track, have really been heard (seeking forward does not count), one POST /api/listening/plays
 * per playback. The common convention of music services.
 *
 *   const counter = usePlayCounter(() => track);   <audio @timeupdate="counter.tick" @play="…">
 */
import { ref } from "vue";
import { api } from "../api/client.ts";

export const countsAfterMs = (durationMs: number) => Math.min(30_000, durationMs / 2);

export function usePlayCounter(track: () => { trackId: string; durationMs: number } | undefined) {
  const heardMs = ref(0);
  const recorded = ref(false);
  const error = ref<unknown>();
  let last: number | undefined;

  /** On every `timeupdate`: adds the time heard since the last one, if it was played through. */
  async function tick(currentTimeSeconds: number, paused: boolean) {
    const now = currentTimeSeconds * 1000;
    if (!paused && last !== undefined) {
      const step = now - last;
      // A jump (a seek) is not listening; timeupdate fires every 250 ms or so while playing.
      if (step > 0 && step < 1_500) heardMs.value += step;
    }
    last = now;
    const current = track();
    if (!current || recorded.value || heardMs.value < countsAfterMs(current.durationMs)) return;
    recorded.value = true;
    try {
      await api.send("post", "/api/listening/plays", {
        body: {
          plays: [
            {
              trackId: current.trackId,
              listenedMs: Math.round(heardMs.value),
              trackDurationMs: current.durationMs,
            },
          ],
        },
      });
    } catch (e) {
      error.value = e;
    }
  }

  /** A new playback from the start (another track, or the same one again after it ended). */
  function reset() {
    heardMs.value = 0;
    recorded.value = false;
    last = undefined;
  }

  /** A seek: the next tick measures from where the playhead is now. */
  function seeked(currentTimeSeconds: number) {
    last = currentTimeSeconds * 1000;
  }

  return { heardMs, recorded, error, tick, reset, seeked };
}
