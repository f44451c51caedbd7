/**
 * Journey 9, playlists: create one, add tracks from an album's rows, reorder them with the
 * keyboard and with the mouse, rename it, make it public and open its share link signed
 * out, play it into the queue (the queue says each entry is from the playlist, and "play
 * next" goes before the rest), remove a track, delete it after a confirmation. axe checks
 * the list, the playlist page and the add menu. Tracks are added from rows that are not an
 * album's too (a search result, a track page). Screenshot: docs/screenshots/playlist.png.
 *
 * The album is the demo catalog's first (its tracks are the ones `./vobe start` gives audio).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDemoSeed, generateDemoCatalog } from "../../connect/demo/index.ts";
import { demoAdmin, logIn, openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;

const [firstTrack, secondTrack] = generateDemoCatalog({
  size: "full",
  seed: defaultDemoSeed,
}).tracks;
if (!firstTrack || !secondTrack) throw new Error("the demo catalog has no tracks");
const albumId = firstTrack.albumId;

/** A change goes API → log → processors → view before the page shows it: generous on a busy machine. */
const soon = { timeout: 20_000, interval: 100 };
const entryTitles = async (p: Page) =>
  (await p.getByTestId("playlist-entry").locator(".title").allTextContents()).map((s) => s.trim());
const queueTitles = async (p: Page) =>
  (await p.getByTestId("queue-entry").locator(".what > :first-child").allTextContents()).map((s) =>
    s.trim(),
  );

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
  await logIn(page, demoAdmin.username, demoAdmin.password);
});
afterAll(async () => web?.close());

describe("playlists", () => {
  it("create, add from track rows, reorder by keyboard and mouse, rename, share, play, delete", {
    timeout: 120_000,
  }, async () => {
    const name = unique("Mix");
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Playlists" })
      .click();
    await page.getByRole("heading", { name: "Playlists", level: 1 }).waitFor();
    await page.getByLabel("New playlist").fill(name);
    await page.getByRole("button", { name: "Create" }).click();
    // Read back after the 202's position: in the list at once, no reload.
    const link = page.getByTestId("playlists").getByRole("link", { name });
    await link.waitFor();
    await web.checkA11y(page, "my playlists");

    // Three tracks of an album, from their rows' "add to playlist" menus.
    await page.goto(`/albums/${albumId}`);
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    const names = (await rows.locator("td:nth-child(2) a").allTextContents()).map((s) => s.trim());
    const [a, b, c] = names as [string, string, string];
    for (const [i, title] of [a, b, c].entries()) {
      await page.getByRole("button", { name: `Add ${title} to a playlist` }).click();
      const choice = page.getByTestId("add-to-playlist-choice").filter({ hasText: name });
      await choice.waitFor();
      if (i === 0) await web.checkA11y(page, "album with the add-to-playlist menu");
      await choice.click();
      await page
        .getByRole("status")
        .filter({ hasText: `${title} added to ${name}.` })
        .waitFor({ state: "attached" });
    }

    await page.goto("/playlists");
    await link.click();
    await page.getByRole("heading", { name, level: 1 }).waitFor();
    await expect.poll(() => entryTitles(page), soon).toEqual([a, b, c]);

    // Keyboard: the third track one place up, with Enter on its focused button.
    await page.getByRole("button", { name: `Move ${c} up the playlist` }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => entryTitles(page), soon).toEqual([a, c, b]);
    // Mouse: drag the first track onto the last place.
    const entries = page.getByTestId("playlist-entry");
    // The rows are draggable again once the previous change has been read back.
    await expect.poll(() => entries.nth(0).getAttribute("draggable"), soon).toBe("true");
    // Step by step, as a hand does (one move onto the target can end the drag before any
    // dragover reached it).
    await entries.nth(0).locator(".num").hover();
    await page.mouse.down();
    await entries.nth(1).locator(".num").hover();
    await entries.nth(2).locator(".num").hover();
    await entries.nth(2).locator(".num").hover();
    await page.mouse.up();
    await expect.poll(() => entryTitles(page), soon).toEqual([c, b, a]);

    // Rename, then make it public: its link works for someone signed out.
    const renamed = `${name} (night)`;
    await page.getByTestId("rename").click();
    await page.getByLabel("Name", { exact: true }).fill(renamed);
    await page.getByTestId("rename-save").click();
    await page.getByRole("heading", { name: renamed, level: 1 }).waitFor();
    const toggle = page.getByTestId("toggle-public");
    expect(await toggle.getAttribute("aria-pressed")).toBe("false");
    await toggle.click();
    await expect.poll(() => toggle.getAttribute("aria-pressed"), soon).toBe("true");
    const shared = await page.getByTestId("share-link").inputValue();
    expect(shared).toMatch(/\/playlists\/[0-9a-f-]{36}$/);
    await web.checkA11y(page, "a public playlist, its owner's page");
    await web.screenshot(page, "playlist");

    const stranger = await web.page();
    await stranger.goto(shared);
    await stranger.getByRole("heading", { name: renamed, level: 1 }).waitFor();
    expect(await entryTitles(stranger)).toEqual([c, b, a]);
    expect(await stranger.getByTestId("rename").count()).toBe(0);
    expect(await stranger.getByTestId("remove-entry").count()).toBe(0);

    // Play it: the queue is the playlist, each entry from it; "play next" goes before the rest.
    await page.getByRole("button", { name: `Play ${renamed}` }).click();
    const bar = page.getByRole("region", { name: "Player" });
    await bar.waitFor();
    await expect.poll(() => page.getByTestId("player-title").textContent(), soon).toContain(c);
    await page.getByRole("button", { name: `Play next: ${a}` }).click();
    await bar.getByTestId("queue-toggle").click();
    await page.getByTestId("queue").waitFor();
    expect(await queueTitles(page)).toEqual([c, a, b, a]);
    const sources = await page.getByTestId("queue-source").allTextContents();
    expect(sources.every((s) => s.includes(`from the playlist ${renamed}`))).toBe(true);
    await page.getByRole("button", { name: "Hide the queue" }).click();
    await page.getByRole("button", { name: "Pause" }).click();

    // Remove a track; then delete the playlist, which asks first.
    await page.getByRole("button", { name: `Remove ${b} from the playlist` }).click();
    await expect.poll(() => entryTitles(page), soon).toEqual([c, a]);
    await page.getByTestId("delete").click();
    await page.getByRole("alertdialog").waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByTestId("delete").click();
    await page.getByTestId("confirm-delete").click();
    await page.getByRole("heading", { name: "Playlists", level: 1 }).waitFor();
    // The list is read after the deletion's position, so it is gone at once.
    expect(page.url()).toContain("after=");
    await page.locator("[data-testid=playlists], .empty").first().waitFor();
    expect(await page.getByTestId("playlists").getByRole("link", { name: renamed }).count()).toBe(
      0,
    );

    // The share link of a deleted playlist shows nothing of it.
    await stranger.reload();
    await stranger.getByText("Not found.").waitFor();
    await stranger.context().close();
  });

  it("adds from rows that are not an album's: a search result and a track page", {
    timeout: 90_000,
  }, async () => {
    const name = unique("Found");
    await page.goto("/playlists");
    await page.getByLabel("New playlist").fill(name);
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByTestId("playlists").getByRole("link", { name }).waitFor();

    const addTo = async (title: string) => {
      await page
        .getByRole("button", { name: `Add ${title} to a playlist` })
        .first()
        .click();
      await page.getByTestId("add-to-playlist-choice").filter({ hasText: name }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `${title} added to ${name}.` })
        .waitFor({ state: "attached" });
    };
    // A search result's row (the tracks group), then a track's own page.
    await page.goto(`/search?q=${encodeURIComponent(firstTrack.title)}`);
    const tracksGroup = page.getByRole("region", { name: /^Tracks/ });
    await tracksGroup.getByRole("link", { name: firstTrack.title, exact: true }).first().waitFor();
    await addTo(firstTrack.title);
    await page.goto(`/tracks/${secondTrack.trackId}`);
    await page.getByRole("heading", { name: secondTrack.title, level: 1 }).waitFor();
    await addTo(secondTrack.title);
    await web.checkA11y(page, "a track page with the add-to-playlist button");

    await page.goto("/playlists");
    await page.getByTestId("playlists").getByRole("link", { name }).click();
    await page.getByRole("heading", { name, level: 1 }).waitFor();
    await expect.poll(() => entryTitles(page), soon).toEqual([firstTrack.title, secondTrack.title]);
    await page.getByTestId("delete").click();
    await page.getByTestId("confirm-delete").click();
    await page.getByRole("heading", { name: "Playlists", level: 1 }).waitFor();
  });

  it("keeps a phone-sized screen within its width, in Russian", { timeout: 60_000 }, async () => {
    const phone = await web.page({
      viewport: { width: 390, height: 844 },
      locale: "ru-RU",
      storageState: await page.context().storageState(),
    });
    const overflow = () =>
      phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    await phone.goto(`/albums/${albumId}`);
    await phone.getByTestId("add-to-playlist").first().waitFor();
    expect(await overflow()).toBe(0);
    await phone.goto("/playlists");
    const name = unique("Телефон");
    await phone.getByLabel("Новый плейлист").fill(name);
    await phone.getByRole("button", { name: "Создать" }).click();
    await phone.getByTestId("playlists").getByRole("link", { name }).click();
    await phone.getByRole("heading", { name, level: 1 }).waitFor();
    await phone.getByText("Треков пока нет.", { exact: false }).waitFor();
    expect(await overflow()).toBe(0);
    await web.checkA11y(phone, "a playlist (phone, ru)");
    await phone.getByTestId("delete").click();
    await phone.getByTestId("confirm-delete").click();
    await phone.getByRole("heading", { name: "Плейлисты", level: 1 }).waitFor();
    await phone.context().close();
  });
});
