/**
 * Journey 5, likes and library: a new listener's library is empty (liked tracks and
 * listening history, each says so); they like a track and play it until the play counts
 * (half of the demo's 20-second track); the library then lists the liked track and the play
 * in the history, newest first, each row with "add to playlist". axe checks the library.
 *
 * The track is the demo catalog's first (`./vobe start` gives it audio).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDemoSeed, generateDemoCatalog } from "../../connect/demo/index.ts";
import { openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;

const track = generateDemoCatalog({ size: "full", seed: defaultDemoSeed }).tracks[0];
if (!track) throw new Error("the demo catalog has no tracks");

/** A like or a play goes API → log → processors → view before the library shows it. */
const soon = { timeout: 30_000, interval: 500 };

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

describe("library", () => {
  it("likes a track, plays it until it counts, and finds both in the library", {
    timeout: 120_000,
  }, async () => {
    const username = unique("lib");
    await page.goto("/signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Display name").fill(`Lib ${username}`);
    await page.getByLabel("E-mail").fill(`${username}@example.com`);
    await page.getByLabel("Password").fill("listening-to-everything");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByTestId("signed-in").waitFor();

    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "My library" })
      .click();
    await page.getByRole("heading", { name: "Listening history", level: 2 }).waitFor();
    await page.getByText("No liked tracks yet.", { exact: false }).waitFor();
    await page.getByText("Nothing played yet.", { exact: false }).waitFor();

    await page.goto(`/tracks/${track.trackId}`);
    await page.getByRole("heading", { name: track.title, level: 1 }).waitFor();
    const like = page.getByTestId("like");
    await like.click();
    await expect.poll(() => like.getAttribute("aria-pressed"), soon).toBe("true");
    await page.getByRole("main").getByTestId("play").click();
    // Counted once half of the 20-second audio was heard: about 10 s of real playback.
    await page
      .getByRole("status")
      .filter({ hasText: "Counted as a play." })
      .waitFor({ state: "attached", timeout: 60_000 });
    await page.getByRole("button", { name: "Pause" }).click();

    const liked = page.getByTestId("library").getByRole("link", { name: track.title });
    const played = page.getByTestId("history").getByRole("link", { name: track.title });
    await expect
      .poll(async () => {
        await page.goto("/library");
        await page.getByRole("heading", { name: "Listening history", level: 2 }).waitFor();
        await page
          .locator("[data-testid=history], [data-testid=library], .empty")
          .first()
          .waitFor();
        return (await liked.count()) === 1 && (await played.count()) === 1;
      }, soon)
      .toBe(true);
    const row = page.getByTestId("history").locator("li").first();
    expect(await row.textContent()).toMatch(/heard 0:1\d/);
    expect(
      await row.getByRole("button", { name: `Add ${track.title} to a playlist` }).count(),
    ).toBe(1);
    await web.checkA11y(page, "my library with a like and a play");
  });
});
