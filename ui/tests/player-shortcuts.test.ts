import { mount } from "@vue/test-utils";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import ShortcutsHelp from "../src/components/ShortcutsHelp.vue";
import { type PlayerTrack, usePlayer } from "../src/stores/player.ts";
import { plugins } from "./setup.ts";

const track = (id: string): PlayerTrack => ({
  trackId: id,
  title: id,
  durationMs: 60_000,
  audio: { url: `/a/${id}`, mimeType: "audio/ogg", durationMs: 20_000 },
});
const press = (key: string, target: EventTarget = document.body, shiftKey = false) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey, bubbles: true }));

describe("player shortcuts", () => {
  let wrapper: ReturnType<typeof mount> | undefined;
  beforeEach(() => localStorage.clear());
  afterEach(() => wrapper?.unmount());

  it("k and space play or pause, Shift+N and Shift+P move in the queue", () => {
    const { global } = plugins();
    wrapper = mount(ShortcutsHelp, { global, attachTo: document.body });
    const player = usePlayer();
    player.playAll([track("1"), track("2")], { kind: "album", label: "A", to: "/albums/a" });
    press("k");
    expect(player.playing).toBe(false);
    press(" ");
    expect(player.playing).toBe(true);
    press("N", document.body, true);
    expect(player.current?.track.trackId).toBe("2");
    press("P", document.body, true);
    expect(player.current?.track.trackId).toBe("1");
    expect(wrapper.text()).toContain("Play or pause");
  });

  it("leaves keys typed into a field, and space on a button, alone", () => {
    const { global } = plugins();
    wrapper = mount(ShortcutsHelp, { global, attachTo: document.body });
    const player = usePlayer();
    player.playAll([track("1")], { kind: "album", label: "A", to: "/albums/a" });
    const input = document.createElement("input");
    const button = document.createElement("button");
    document.body.append(input, button);
    press("k", input);
    press(" ", button);
    expect(player.playing).toBe(true);
    input.remove();
    button.remove();
  });
});
