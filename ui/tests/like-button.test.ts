import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it, vi } from "vitest";
import LikeButton from "../src/components/LikeButton.vue";
import { plugins } from "./setup.ts";

describe("like button", () => {
  it("likes, then shows what the likes view says after the 202's position", async () => {
    let liked = false;
    const calls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: string, init?: RequestInit) => {
        calls.push(`${init?.method ?? "GET"} ${input}`);
        if (init?.method === "PUT") {
          liked = true;
          return Response.json(
            {
              id: "t1",
              eventId: "e",
              topic: "listening.likes",
              partition: 0,
              offset: "7",
              position: "listening.likes:0:7",
            },
            { status: 202 },
          );
        }
        return Response.json({ items: [{ trackId: "t1", liked, likedAt: null }] });
      }),
    );
    const wrapper = mount(LikeButton, { props: { trackId: "t1" }, ...plugins() });
    await flushPromises();
    const button = wrapper.get("button");
    expect(button.attributes("aria-pressed")).toBe("false");
    await button.trigger("click");
    await flushPromises();
    expect(button.attributes("aria-pressed")).toBe("true");
    expect(button.text()).toContain("Liked");
    expect(calls).toEqual([
      "GET /api/listening/me/liked?trackIds=t1",
      "PUT /api/listening/tracks/t1/like",
      "GET /api/listening/me/liked?trackIds=t1&after=listening.likes%3A0%3A7",
    ]);
  });

  it("says the likes are unavailable instead of guessing", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        Response.json({ error: { code: "view_unavailable", message: "x" } }, { status: 503 }),
      ),
    );
    const wrapper = mount(LikeButton, { props: { trackId: "t1" }, ...plugins() });
    await flushPromises();
    expect(wrapper.get("button").attributes("disabled")).toBeDefined();
    expect(wrapper.text()).toContain("This part is unavailable right now.");
  });
});
