import { flushPromises, mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";
import { duration } from "../src/components/ops/format.ts";
import ReasonForm from "../src/components/ops/ReasonForm.vue";
import { plugins } from "./setup.ts";

const actions = [
  { name: "replay", label: "Replay", confirm: "Replay letter x to y?" },
  { name: "skip", label: "Skip", confirm: "Skip letter x?", secondary: true },
];

describe("the console's reason form", () => {
  it("acts only with a reason of three characters or more, and only once confirmed", async () => {
    const wrapper = mount(ReasonForm, {
      props: { actions },
      attachTo: document.body,
      ...plugins(),
    });
    const button = (name: string) => wrapper.findAll("button").find((b) => b.text() === name);
    expect(button("Replay")?.attributes("disabled")).toBeDefined();
    await wrapper.get("textarea").setValue("  a ");
    expect(button("Skip")?.attributes("disabled")).toBeDefined();
    await wrapper.get("textarea").setValue("the lock is gone");
    expect(button("Replay")?.attributes("disabled")).toBeUndefined();

    await button("Replay")?.trigger("click");
    await flushPromises();
    expect(wrapper.text()).toContain("Replay letter x to y?");
    expect(wrapper.emitted("act")).toBeUndefined();
    // The keyboard user lands on the confirmation.
    expect(document.activeElement?.textContent).toBe("Replay");
    await button("Cancel")?.trigger("click");
    expect(wrapper.text()).not.toContain("Replay letter x to y?");

    await button("Skip")?.trigger("click");
    await button("Skip")?.trigger("click");
    await flushPromises();
    expect(wrapper.emitted("act")).toEqual([["skip", "the lock is gone"]]);
    wrapper.unmount();
  });

  it("labels its field, so the reason is reachable by name", () => {
    const wrapper = mount(ReasonForm, { props: { actions }, ...plugins() });
    const id = wrapper.get("textarea").attributes("id");
    expect(wrapper.get(`label[for="${id}"]`).text()).toBe(
      "Reason (required, written to the audit trail)",
    );
  });
});

describe("the console's durations", () => {
  it("says seconds, minutes, hours and days in the locale's words", () => {
    expect(duration(4.4, "en")).toBe("4 sec");
    expect(duration(180, "en")).toBe("3 min");
    expect(duration(7200, "en")).toBe("2 hr");
    expect(duration(3 * 86_400, "ru")).toBe("3 дн.");
  });
});
