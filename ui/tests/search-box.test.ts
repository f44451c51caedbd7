import { flushPromises, mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";
import SearchBox from "../src/components/SearchBox.vue";
import { answer, plugins } from "./setup.ts";

afterEach(() => vi.useRealTimers());

const suggestions = {
  suggestions: [
    { text: "Beat It", type: "tracks", id: "t1" },
    { text: "Beatles Tribute", type: "artists", id: "a1" },
    { text: "Beat Album", type: "albums", id: "b1" },
  ],
};

async function typed(text: string) {
  vi.useFakeTimers();
  const calls = answer({ "/api/search/suggest": suggestions });
  const setup = plugins();
  const wrapper = mount(SearchBox, { ...setup, attachTo: document.body });
  const input = wrapper.get("input");
  await input.setValue(text);
  await vi.advanceTimersByTimeAsync(200);
  await flushPromises();
  return { wrapper, input, calls, router: setup.router };
}

describe("search box", () => {
  it("asks once after typing stops, and groups the suggestions by kind", async () => {
    const { wrapper, calls } = await typed("bea");
    expect(calls).toEqual(["/api/search/suggest?q=bea&limit=8"]);
    const groups = wrapper.findAll("[role=group]").map((g) => g.find(".group").text());
    expect(groups).toEqual(["Tracks", "Artists", "Albums"]);
    expect(wrapper.findAll("[role=option]").map((o) => o.text())).toEqual([
      "Beat It",
      "Beatles Tribute",
      "Beat Album",
      "All results for “bea”",
    ]);
    wrapper.unmount();
  });

  it("moves with the arrows and opens the active suggestion with Enter", async () => {
    const { wrapper, input, router } = await typed("bea");
    await input.trigger("keydown", { key: "ArrowDown" });
    await input.trigger("keydown", { key: "ArrowDown" });
    const active = input.attributes("aria-activedescendant");
    expect(wrapper.get(`[id="${active}"]`).text()).toBe("Beatles Tribute");
    await input.trigger("keydown", { key: "ArrowUp" });
    await input.trigger("keydown", { key: "ArrowUp" }); // wraps to the last option
    expect(wrapper.get(`[id="${input.attributes("aria-activedescendant")}"]`).text()).toContain(
      "All results",
    );
    await input.trigger("keydown", { key: "ArrowDown" }); // back to the first
    await input.trigger("keydown", { key: "Enter" });
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe("/tracks/t1");
    expect(input.attributes("aria-expanded")).toBe("false");
    wrapper.unmount();
  });

  it("Escape closes the list", async () => {
    const { input, wrapper } = await typed("bea");
    expect(input.attributes("aria-expanded")).toBe("true");
    await input.trigger("keydown", { key: "Escape" });
    expect(input.attributes("aria-expanded")).toBe("false");
    wrapper.unmount();
  });
});
