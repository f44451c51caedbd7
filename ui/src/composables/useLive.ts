/**
 * A live stream from /api/live (Server-Sent Events), open while the component is mounted.
 * The browser's EventSource reconnects by itself; the stream shows what happens from now on.
 * A url of undefined closes it (nothing to follow, e.g. no track playing).
 *
 *   useLive(() => `/api/live/posts/${id}/comments`, {
 *     "comment.added": (data) => …, "comment.deleted": (data) => …,
 *   });
 */
import { onBeforeUnmount, watch } from "vue";

export function useLive(
  url: () => string | undefined,
  handlers: Record<string, (data: Record<string, unknown>) => void>,
): void {
  let source: EventSource | undefined;
  const open = (address: string | undefined) => {
    source?.close();
    source = undefined;
    if (!address || typeof EventSource === "undefined") return;
    source = new EventSource(address);
    for (const [event, handle] of Object.entries(handlers)) {
      source.addEventListener(event, (message) => {
        try {
          handle(JSON.parse((message as MessageEvent<string>).data) as Record<string, unknown>);
        } catch {
          // A message we cannot read changes nothing on the page.
        }
      });
    }
  };
  watch(url, open, { immediate: true });
  onBeforeUnmount(() => source?.close());
}
