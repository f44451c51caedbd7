/**
 * One read with its loading, error and data, reloaded when its source changes; a newer load
 * cancels the older one (AbortController), so a fast click never shows stale data.
 *
 *   const album = useAsync((signal) => api.get("/api/artist/albums/{id}", { path: { id: props.id }, signal }));
 *   album.loading / album.error / album.data / album.reload()
 */
import { type Ref, ref, shallowRef, type WatchSource, watch } from "vue";

export interface AsyncState<T> {
  data: Ref<T | undefined>;
  error: Ref<unknown>;
  loading: Ref<boolean>;
  reload(): Promise<void>;
}

export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  source?: WatchSource<unknown>,
): AsyncState<T> {
  const data = shallowRef<T>();
  const error = shallowRef<unknown>();
  const loading = ref(true);
  let current: AbortController | undefined;

  async function reload() {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    loading.value = true;
    error.value = undefined;
    try {
      const value = await load(controller.signal);
      if (current === controller) data.value = value;
    } catch (e) {
      if (current === controller && !controller.signal.aborted) error.value = e;
    } finally {
      if (current === controller) loading.value = false;
    }
  }

  if (source) watch(source, reload);
  void reload();
  return { data, error, loading, reload };
}
