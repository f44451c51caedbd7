/**
 * A list read page by page on the API's keyset cursors (`{ items, nextCursor }`): stable while
 * rows are added, so "show more" never repeats nor skips an item.
 *
 *   const feed = useCursorList((cursor, signal) => api.get("/api/content/posts", { query: { cursor, limit: 20 }, signal }));
 *   feed.items / feed.loading / feed.error / feed.done / feed.more() / feed.reset()
 */
import { type Ref, ref, shallowRef } from "vue";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function useCursorList<T>(
  fetchPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  /** Items with a key are never shown twice (a live event may bring one a page brings later). */
  keyOf?: (item: T) => string,
) {
  const items = shallowRef<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const error = shallowRef<unknown>();
  const done = ref(false);
  let cursor: string | undefined;
  let controller = new AbortController();

  async function more(): Promise<void> {
    if (loading.value || done.value) return;
    loading.value = true;
    error.value = undefined;
    const signal = controller.signal;
    try {
      const page = await fetchPage(cursor, signal);
      if (signal.aborted) return;
      const seen = new Set(keyOf ? items.value.map(keyOf) : []);
      const fresh = keyOf ? page.items.filter((i) => !seen.has(keyOf(i))) : page.items;
      items.value = [...items.value, ...fresh];
      cursor = page.nextCursor ?? undefined;
      done.value = page.nextCursor === null;
    } catch (e) {
      if (!signal.aborted) error.value = e;
    } finally {
      if (!signal.aborted) loading.value = false;
    }
  }

  /** From the first page again (after a write, or when the source changes). */
  async function reset(): Promise<void> {
    controller.abort();
    controller = new AbortController();
    items.value = [];
    cursor = undefined;
    done.value = false;
    loading.value = false;
    await more();
  }

  /** Puts items in without a reload (one's own write, a live event); skips ones already there. */
  function add(newItems: T[], key: (item: T) => string, where: "start" | "end" = "end") {
    const seen = new Set(items.value.map(key));
    const fresh = newItems.filter((i) => !seen.has(key(i)));
    items.value = where === "start" ? [...fresh, ...items.value] : [...items.value, ...fresh];
  }

  /** Changes or removes items in place (an edit or a deletion seen live). */
  function update(change: (items: T[]) => T[]) {
    items.value = change(items.value);
  }

  return { items, loading, error, done, more, reset, add, update };
}
