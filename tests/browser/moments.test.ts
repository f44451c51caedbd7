/**
 * Journey 10, moments (ADR-028): a listener comments on a track at a moment of it from the
 * player; the moment shows at once as a marker at its second along the progress bar, its
 * text in a popover as text (no HTML); a second browser (another context: another person,
 * signed out) playing the same track sees a new moment appear live, opens it with the
 * keyboard and closes it with Escape. axe checks the bar with a popover open.
 *
 * The track is the demo catalog's first (`./vobe start` gives it audio).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDemoSeed, generateDemoCatalog } from "../../connect/demo/index.ts";
import { openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let author: Page;
let listener: Page;

const firstTrack = generateDemoCatalog({ size: "full", seed: defaultDemoSeed }).tracks[0];
if (!firstTrack) throw new Error("the demo catalog has no tracks");

beforeAll(async () => {
  web = await openWeb();
  // Two contexts: two people, each with their own session and their own player.
  [author, listener] = await Promise.all([web.page(), web.page()]);
});
afterAll(async () => web?.close());

/** Plays the album of the demo's first track, then pauses at `second` of its first track. */
async function playFirstTrackAt(page: Page, second: number) {
  await page.goto(`/albums/${firstTrack?.albumId}`);
  const albumTitle = (await page.getByRole("heading", { level: 1 }).textContent())?.trim() ?? "";
  await page.getByRole("button", { name: `Play ${albumTitle}` }).click();
  const bar = page.getByRole("region", { name: "Player" });
  await bar.getByRole("button", { name: "Pause" }).click();
  await page.getByTestId("player-seek").fill(String(second));
  return bar;
}

describe("moments", () => {
  it("a moment posted from the player shows on the bar at once, and live in another browser", {
    timeout: 120_000,
  }, async () => {
    const username = unique("mo");
    await author.goto("/signup");
    await author.getByLabel("Username").fill(username);
    await author.getByLabel("E-mail").fill(`${username}@example.com`);
    await author.getByLabel("Password").fill("moments-password-1");
    await author.getByRole("button", { name: "Sign up" }).click();
    await author.getByTestId("signed-in").waitFor();

    const bar = await playFirstTrackAt(author, 5);
    const text = `<img src=x onerror="window.__injected=1"> ${unique("drop")}`;
    await author.evaluate("window.__samePage = true");
    await bar.getByRole("button", { name: "Comment at this moment" }).click();
    // The form opened on its text field, named with the moment it is for.
    await author.getByLabel("Your comment at 0:05").waitFor();
    await author.keyboard.type(text);
    await author.keyboard.press("Enter");
    const marker = bar.getByRole("button", { name: `Moment at 0:05: ${text}` });
    await marker.waitFor();
    expect(await author.evaluate("window.__samePage")).toBe(true); // no reload

    // The other person plays the same track; the moment is there, then a new one comes live.
    const otherBar = await playFirstTrackAt(listener, 2);
    await otherBar.getByRole("button", { name: `Moment at 0:05: ${text}` }).waitFor();
    await listener.evaluate("window.__samePage = true");
    const later = `live ${unique("note")}`;
    await author.getByTestId("player-seek").fill("9");
    await bar.getByRole("button", { name: "Comment at this moment" }).click();
    await author.getByLabel("Your comment at 0:09").fill(later);
    await author.getByRole("button", { name: "Post", exact: true }).click();
    const arrived = otherBar.getByRole("button", { name: `Moment at 0:09: ${later}` });
    await arrived.waitFor({ timeout: 15_000 });
    expect(await listener.evaluate("window.__samePage")).toBe(true);
    // At its second: the 0:09 marker is right of the 0:05 one.
    const x = async (name: string) =>
      (await otherBar.getByRole("button", { name }).boundingBox())?.x ?? Number.NaN;
    expect(await x(`Moment at 0:09: ${later}`)).toBeGreaterThan(await x(`Moment at 0:05: ${text}`));

    // Keyboard: focus the marker, Enter opens the popover; the text stays text; Escape closes
    // it and gives the focus back.
    const first = otherBar.getByRole("button", { name: `Moment at 0:05: ${text}` });
    await first.focus();
    await listener.keyboard.press("Enter");
    const popover = listener.getByTestId("moment-popover");
    await popover.waitFor();
    expect(await popover.getByTestId("moment-text").textContent()).toBe(text);
    expect(await popover.locator("img").count()).toBe(0);
    expect(await listener.evaluate("window.__injected")).toBeUndefined();
    expect(await first.getAttribute("aria-expanded")).toBe("true");
    await web.checkA11y(listener, "player with a moment open");
    await web.screenshot(listener, "moments");
    await listener.keyboard.press("Escape");
    await popover.waitFor({ state: "detached" });
    // (A string, not a function: the tests' TypeScript has no DOM types.)
    const focused = await listener.evaluate("document.activeElement?.getAttribute('data-moment')");
    expect(focused).toBe(await first.getAttribute("data-moment"));
  });
});
