import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import PlayerMoments from "../src/components/PlayerMoments.vue";
import { type Moment, useMoments } from "../src/stores/moments.ts";
import { plugins } from "./setup.ts";

const moment = (id: string, atMs: number, body = `m${id}`, trackId = "t1"): Moment => ({
  momentId: `00000000-0000-4000-8000-00000000000${id}`,
  trackId,
  authorId: "a1",
  atMs,
  body,
  createdAt: "2026-12-02T10:00:00Z",
});

/** fetch by method and path: answers from `reply`, every call kept. */
function server(reply: (method: string, url: URL) => unknown) {
  const calls: string[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://x");
      const method = init?.method ?? "GET";
      calls.push(`${method} ${url.pathname}${url.search}`);
      const body = reply(method, url);
      return Response.json(body, { status: method === "GET" ? 200 : 202 });
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("moments store", () => {
  it("loads every page of the playing track's moments, in the order of the track", async () => {
    plugins();
    const calls = server((_m, url) =>
      url.searchParams.get("cursor")
        ? { items: [moment("3", 90_000)], nextCursor: null }
        : { items: [moment("1", 5_000), moment("2", 30_000)], nextCursor: "c2" },
    );
    const moments = useMoments();
    moments.show("t1");
    await flushPromises();
    expect(moments.items.map((m) => m.atMs)).toEqual([5_000, 30_000, 90_000]);
    expect(calls).toEqual([
      "GET /api/comment/tracks/t1/moments?limit=100",
      "GET /api/comment/tracks/t1/moments?limit=100&cursor=c2",
    ]);
  });

  it("places live moments by their point, once, and only for the track shown", async () => {
    plugins();
    server(() => ({ items: [moment("1", 5_000), moment("3", 90_000)], nextCursor: null }));
    const moments = useMoments();
    moments.show("t1");
    await flushPromises();
    moments.added(moment("2", 30_000));
    moments.added(moment("2", 30_000)); // the same moment again (the stream and one's own read)
    moments.added(moment("4", 1_000, "elsewhere", "t2"));
    expect(moments.items.map((m) => m.atMs)).toEqual([5_000, 30_000, 90_000]);
    moments.removed(moment("1", 0).momentId);
    expect(moments.items.map((m) => m.atMs)).toEqual([30_000, 90_000]);
  });

  it("an older track's late answer does not replace the playing track's moments", async () => {
    plugins();
    let release: (() => void) | undefined;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string) => {
        if (String(input).includes("/tracks/old/")) {
          await new Promise<void>((r) => {
            release = r;
          });
          return Response.json({ items: [moment("9", 1, "old", "old")], nextCursor: null });
        }
        return Response.json({ items: [moment("1", 5_000)], nextCursor: null });
      }),
    );
    const moments = useMoments();
    moments.show("old");
    moments.show("t1");
    await flushPromises();
    release?.();
    await flushPromises();
    expect(moments.items.map((m) => m.body)).toEqual(["m1"]);
  });

  it("posts at a point and reads the track again after the 202's position", async () => {
    plugins();
    let posted = false;
    const calls = server((method) => {
      if (method === "POST") {
        posted = true;
        return {
          id: "n",
          eventId: "e",
          topic: "comment.track-moments",
          partition: 1,
          offset: "4",
          position: "comment.track-moments:1:4",
        };
      }
      return { items: posted ? [moment("1", 61_000, "drop")] : [], nextCursor: null };
    });
    const moments = useMoments();
    moments.show("t1");
    await flushPromises();
    await moments.post(61_000.4, "drop");
    expect(moments.items.map((m) => m.body)).toEqual(["drop"]);
    expect(calls.slice(1)).toEqual([
      "POST /api/comment/tracks/t1/moments",
      "GET /api/comment/tracks/t1/moments?limit=100&after=comment.track-moments%3A1%3A4",
    ]);
  });
});

describe("moments on the progress bar", () => {
  it("puts a marker at each moment's second, shows its text as text, and Escape gives focus back", async () => {
    server(() => ({
      items: [moment("1", 15_000, "<img src=x onerror=alert(1)> wow"), moment("2", 45_000)],
      nextCursor: null,
    }));
    const wrapper = mount(PlayerMoments, {
      props: { trackId: "t1", duration: 60 },
      attachTo: document.body,
      ...plugins(),
    });
    await flushPromises();
    const markers = wrapper.findAll('[data-testid="moment-marker"]');
    expect(markers.map((m) => m.attributes("style"))).toEqual(["left: 25.000%;", "left: 75.000%;"]);
    expect(markers[0]?.attributes("aria-label")).toBe(
      "Moment at 0:15: <img src=x onerror=alert(1)> wow",
    );
    await markers[0]?.trigger("click");
    const popover = wrapper.get('[data-testid="moment-popover"]');
    expect(popover.get('[data-testid="moment-text"]').text()).toBe(
      "<img src=x onerror=alert(1)> wow",
    );
    expect(popover.find("img").exists()).toBe(false);
    expect(markers[0]?.attributes("aria-expanded")).toBe("true");
    await popover.trigger("keydown", { key: "Escape" });
    await flushPromises();
    expect(wrapper.find('[data-testid="moment-popover"]').exists()).toBe(false);
    expect(document.activeElement).toBe(markers[0]?.element);
    wrapper.unmount();
  });
});
