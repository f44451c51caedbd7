/**
 * Journey 4, the player: play an album with audio, see the player bar on its first track, go
 * to the next one, put a track "next" before the rest of the queue, seek, and hear it: the
 * <audio> element's clock really advances (Chromium decodes the demo catalog's Ogg Vorbis).
 * The bar outlives a page change; axe checks the bar and the open queue; the phone-sized
 * screen keeps its width. Screenshot: docs/screenshots/player.png.
 *
 * The album is the demo catalog's first (its tracks are the ones `./vobe start` gives audio).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDemoSeed, generateDemoCatalog } from "../../connect/demo/index.ts";
import { demoAdmin, logIn, openWeb, type Web, webUrl } from "./support/browser.ts";

let web: Web;
let page: Page;

const firstTrack = generateDemoCatalog({ size: "full", seed: defaultDemoSeed }).tracks[0];
if (!firstTrack) throw new Error("the demo catalog has no tracks");
const albumId = firstTrack.albumId;

const audioTime = (p: Page) =>
  p.evaluate(
    "document.querySelector('audio[data-testid=player-audio]').currentTime",
  ) as Promise<number>;
const title = (p: Page) => p.getByTestId("player-title").textContent();
const queueTitles = async (p: Page) =>
  (await p.getByTestId("queue-entry").locator(".what > :first-child").allTextContents()).map((s) =>
    s.trim(),
  );

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

describe("player", () => {
  it("plays an album, next, play next before the rest, seek, and really plays", {
    timeout: 300_000,
  }, async () => {
    await page.goto(`/albums/${albumId}`);
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    const names = (await rows.locator("td:nth-child(2) a").allTextContents()).map((s) => s.trim());
    expect(names.length).toBeGreaterThan(3);
    expect(await page.getByTestId("player").count()).toBe(0);

    const albumTitle = (await page.getByRole("heading", { level: 1 }).textContent())?.trim() ?? "";
    await page.getByRole("button", { name: `Play ${albumTitle}` }).click();
    const bar = page.getByRole("region", { name: "Player" });
    await bar.waitFor();
    await expect.poll(() => title(page)).toContain(names[0]);
    // The audio element really plays: its clock moves on.
    await expect.poll(() => audioTime(page), { timeout: 15_000 }).toBeGreaterThan(1);
    await page.getByRole("button", { name: "Pause" }).waitFor();

    await bar.getByRole("button", { name: "Next track" }).click();
    await expect.poll(() => title(page)).toContain(names[1]);
    // The system's media controls show it too (Media Session).
    await expect.poll(() => page.evaluate("navigator.mediaSession.metadata?.title")).toBe(names[1]);
    expect(await page.evaluate("navigator.mediaSession.playbackState")).toBe("playing");
    await expect.poll(() => audioTime(page), { timeout: 15_000 }).toBeGreaterThan(0.5);

    // "Play next" on the fourth track puts it right after the current one, before the rest.
    const fourth = names[3] ?? "";
    await page.getByRole("button", { name: `Play next: ${fourth}` }).click();
    await bar.getByTestId("queue-toggle").click();
    await page.getByTestId("queue").waitFor();
    const queued = await queueTitles(page);
    expect(queued.slice(0, 4)).toEqual([names[0], names[1], fourth, names[2]]);
    expect(queued).toHaveLength(names.length + 1);
    expect(await page.getByTestId("queue-source").first().textContent()).toContain(
      `from the album ${albumTitle}`,
    );
    // Reorder by keyboard-reachable buttons: the inserted track back down one place.
    await page
      .getByRole("button", { name: `Move ${fourth} down` })
      .first()
      .click();
    expect((await queueTitles(page)).slice(2, 4)).toEqual([names[2], fourth]);
    await page
      .getByRole("button", { name: `Move ${fourth} up` })
      .first()
      .click();

    // Seek: the position follows the slider.
    await page.getByTestId("player-seek").fill("15");
    await expect.poll(() => audioTime(page)).toBeGreaterThanOrEqual(15);
    await expect.poll(() => audioTime(page), { timeout: 10_000 }).toBeGreaterThan(15.5);

    // The next track after the current one is the one put "next".
    await bar.getByRole("button", { name: "Next track" }).click();
    await expect.poll(() => title(page)).toContain(fourth);

    await web.checkA11y(page, "player with its queue");
    await web.screenshot(page, "player");

    // The bar survives navigation, still playing.
    await page.getByRole("button", { name: "Hide the queue" }).click();
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Home" })
      .click();
    await page.getByRole("heading", { name: "Welcome to VobeMusic" }).waitFor();
    expect(await title(page)).toContain(fourth);
    const before = await audioTime(page);
    await expect.poll(() => audioTime(page), { timeout: 10_000 }).toBeGreaterThan(before + 0.5);

    // A search hit goes to the end of the queue, marked as coming from the search.
    const last = names[names.length - 1] ?? "";
    // On a platform that has just loaded the demo, the search documents come after the
    // processors have read the catalog: wait for the index, not a fixed time.
    await expect
      .poll(
        async () =>
          JSON.stringify(
            await (await fetch(`${webUrl}/api/search?q=${encodeURIComponent(last)}`)).json(),
          ).includes(last),
        { timeout: 180_000, interval: 1_000 },
      )
      .toBe(true);
    const search = page.locator("header [role=combobox]");
    await search.fill(last);
    await search.press("Enter");
    await page.getByRole("heading", { name: `Results for “${last}”` }).waitFor();
    await page
      .getByRole("button", { name: `Add to queue: ${last}` })
      .first()
      .waitFor();
    await web.checkA11y(page, "search results with the player");
    await page
      .getByRole("button", { name: `Add to queue: ${last}` })
      .first()
      .click();
    await expect
      .poll(() => page.getByTestId("queue-toggle").textContent())
      .toContain(`(${names.length + 2})`);
    await page.getByTestId("queue-toggle").click();
    expect(await page.getByTestId("queue-source").last().textContent()).toContain(
      `from the search “${last}”`,
    );

    // k pauses and plays again (the "?" overlay lists it).
    await page.locator("body").press("k");
    await page.getByRole("button", { name: "Play", exact: true }).waitFor();
    await page.locator("body").press("k");
    await page.getByRole("button", { name: "Pause" }).waitFor();

    // A reload finds the queue again, paused (a page load never starts sound by itself).
    await page.reload();
    await expect.poll(() => title(page)).toContain(fourth);
    await page.getByRole("button", { name: "Play", exact: true }).click();
    await expect.poll(() => audioTime(page), { timeout: 15_000 }).toBeGreaterThan(1);
  });

  it("records one play once half of the track was heard, never on the click", async () => {
    const listener = await web.page();
    await logIn(listener, demoAdmin.username, demoAdmin.password);
    // The catalog's first track: 20 s of audio, so a play counts after 10 s heard.
    await listener.goto(`/tracks/${firstTrack.trackId}`);
    const plays = listener.getByTestId("plays");
    await plays.waitFor();
    const count = async () => Number((await plays.textContent())?.replace(/\D/g, ""));
    const before = await count();
    await listener.getByRole("button", { name: /^Play (?!next)/ }).click();
    await expect.poll(() => audioTime(listener), { timeout: 15_000 }).toBeGreaterThan(1);
    expect(await count()).toBe(before); // a click is not a play
    await listener
      .getByRole("status")
      .filter({ hasText: "Counted as a play." })
      .waitFor({ state: "attached", timeout: 20_000 });
    await expect.poll(count, { timeout: 20_000 }).toBe(before + 1);
    // Heard to the end (the queue ends with it): still one play for this listen.
    await listener.getByRole("button", { name: "Play", exact: true }).waitFor({ timeout: 20_000 });
    await listener.waitForTimeout(1_500);
    expect(await count()).toBe(before + 1);
    await listener.context().close();
  });

  it("keeps a phone-sized screen within its width, in Russian", async () => {
    const phone = await web.page({ viewport: { width: 390, height: 844 }, locale: "ru-RU" });
    await phone.goto(`/albums/${albumId}`);
    await phone.locator("table tbody tr").first().waitFor();
    await phone
      .getByRole("button", { name: /^Играть «/ })
      .first()
      .click();
    await phone.getByRole("region", { name: "Плеер" }).waitFor();
    const overflow = await phone.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBe(0);
    await web.checkA11y(phone, "album with the player (phone, ru)");
    await phone.context().close();
  });
});
