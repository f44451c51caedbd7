/**
 * Journey 2, browse: the home page (trending now, newest posts, new releases, artists), the
 * artists, an artist (top tracks ranked by plays, albums, posts), one of its albums with its track list, and a track; each checked with axe-core and
 * photographed for the README. Also the phone-sized viewport and the Russian interface.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWeb, type Web, webUrl } from "./support/browser.ts";

let web: Web;
let page: Page;

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

describe("browse", () => {
  it("home shows trending now, the newest posts, new releases and artists", async () => {
    await page.goto("/");
    await page.getByRole("heading", { name: "Welcome to VobeMusic" }).waitFor();
    for (const name of ["Trending now", "Newest posts", "New releases", "Artists"]) {
      await page.getByRole("heading", { name, exact: true }).waitFor();
    }
    // Trending holds a ranking or says that nothing trends this hour: never a bare spinner.
    await page
      .locator("section[aria-labelledby=trending]")
      .locator("ol li, p.empty")
      .first()
      .waitFor();
    await page.locator("section[aria-labelledby=newest] article").first().waitFor();
    expect(await page.locator("section[aria-labelledby=newest] article").count()).toBe(5);
    // New releases: the demo's albums, newest release date first, as the API lists them.
    const releases = page.getByTestId("new-releases");
    await releases.locator("li a").first().waitFor();
    const shown = (await releases
      .locator("li a")
      .evaluateAll((links) =>
        links.map((a) => a.getAttribute("href")?.split("/").at(-1) ?? ""),
      )) as string[];
    const listed = (await (await fetch(`${webUrl}/api/artist/albums?limit=6`)).json()) as {
      items: { albumId: string; releaseDate: string }[];
    };
    expect(shown).toHaveLength(6);
    expect(shown).toEqual(listed.items.map((a) => a.albumId));
    const dates = listed.items.map((a) => a.releaseDate);
    expect(dates).toEqual([...dates].sort().reverse());
    await page.locator("section[aria-labelledby=artists] ul.grid li a").first().waitFor();
    await web.checkA11y(page, "home");
    await web.screenshot(page, "home");
  });

  it("goes from the artists to an artist, an album and a track", async () => {
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Artists" })
      .click();
    await page.getByRole("heading", { name: "Artists", level: 1 }).waitFor();
    const first = page.locator("ul.grid li a").first();
    await first.waitFor();
    expect(await page.locator("ul.grid li").count()).toBe(48);
    await web.checkA11y(page, "artists");
    await web.screenshot(page, "artists");

    const artistName = (await first.textContent())?.trim() ?? "";
    await first.click();
    await page.getByRole("heading", { name: artistName, level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Albums" }).waitFor();
    await expect.poll(() => page.title()).toBe(`${artistName} · VobeMusic`);
    // Top tracks: up to five, numbered by place, ranked by the plays the processors counted.
    const top = page.getByTestId("top-tracks");
    await top.locator("tbody tr").first().waitFor();
    const places = (await top.locator("td.num").allTextContents()).map(Number);
    expect(places.length).toBeGreaterThan(0);
    expect(places.length).toBeLessThanOrEqual(5);
    expect(places).toEqual(places.map((_, i) => i + 1));
    const topIds = (await top
      .locator("tbody tr td:nth-child(2) a")
      .evaluateAll((links) =>
        links.map((a) => a.getAttribute("href")?.split("/").at(-1) ?? ""),
      )) as string[];
    const stats = (await (
      await fetch(`${webUrl}/api/listening/stats/tracks?trackIds=${topIds.join(",")}`)
    ).json()) as { items: { trackId: string; plays: number }[] };
    const plays = topIds.map((id) => stats.items.find((i) => i.trackId === id)?.plays ?? 0);
    expect(plays).toEqual([...plays].sort((a, b) => b - a));
    await web.checkA11y(page, "artist");
    await web.screenshot(page, "artist");

    const album = page.locator("ul.grid li a").first();
    const albumTitle = (await album.textContent())?.trim() ?? "";
    await album.click();
    await page.getByRole("heading", { name: albumTitle, level: 1 }).waitFor();
    await page.getByRole("link", { name: artistName }).waitFor();
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(0);
    // Track numbers in order, lengths as m:ss.
    const numbers = (await page.locator("table tbody td.num").allTextContents()).map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(await page.locator("table tbody td.len").first().textContent()).toMatch(/^\d+:\d{2}$/);
    await web.checkA11y(page, "album");
    await web.screenshot(page, "album");

    const track = rows.first().locator("a");
    const trackTitle = (await track.textContent())?.trim() ?? "";
    await track.click();
    await page.getByRole("heading", { name: trackTitle, level: 1 }).waitFor();
    await page.getByText(`From ${albumTitle}`).waitFor();
    await page.getByTestId("plays").waitFor();
    await web.checkA11y(page, "track");
    await web.screenshot(page, "track");
  });

  it("shows an artist's newest posts on the artist page, each linking to the post", async () => {
    // An artist who posted in the demo catalog (about a third of its posts are by artists).
    const feed = (await (await fetch(`${webUrl}/api/content/posts?limit=100`)).json()) as {
      items: { artistId: string | null; artistName: string | null }[];
    };
    const poster = feed.items.find((p) => p.artistId !== null);
    expect(poster, "the demo feed has posts by artists").toBeDefined();
    const artistId = poster?.artistId as string;
    const theirs = (await (
      await fetch(`${webUrl}/api/content/posts?artistId=${artistId}&limit=5`)
    ).json()) as { items: { postId: string; title: string; artistId: string }[] };
    expect(theirs.items.length).toBeGreaterThan(0);
    expect(theirs.items.every((p) => p.artistId === artistId)).toBe(true);

    await page.goto(`/artists/${artistId}`);
    await page.getByRole("heading", { name: poster?.artistName as string, level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Posts", exact: true }).waitFor();
    const posts = page.getByTestId("artist-posts");
    await posts.locator("article").first().waitFor();
    const links = (await posts
      .locator("article h3 a")
      .evaluateAll((as) => as.map((a) => a.getAttribute("href")))) as string[];
    expect(links).toEqual(theirs.items.map((p) => `/posts/${p.postId}`));
    await web.checkA11y(page, "artist posts");

    await posts.locator("article h3 a").first().click();
    await page.getByRole("heading", { name: theirs.items[0]?.title as string, level: 1 }).waitFor();
  });

  it("works on a phone-sized screen, in Russian", async () => {
    const phone = await web.page({ viewport: { width: 390, height: 844 }, locale: "ru-RU" });
    await phone.goto("/");
    await phone.getByRole("heading", { name: "Добро пожаловать в VobeMusic" }).waitFor();
    await phone.locator("section[aria-labelledby=newest] article").first().waitFor();
    // Nothing wider than the screen.
    const overflow = await phone.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBe(0);
    await web.checkA11y(phone, "home (phone, ru)");
    await web.screenshot(phone, "home-phone-ru");
    await phone.context().close();
  });

  it("has a light theme as well, kept across reloads", async () => {
    await page.goto("/");
    expect(await page.locator("html").getAttribute("data-theme")).toBe("dark");
    await page.getByRole("button", { name: "Theme: Dark" }).click();
    expect(await page.locator("html").getAttribute("data-theme")).toBe("light");
    await page.reload();
    await page.locator("section[aria-labelledby=newest] article").first().waitFor();
    expect(await page.locator("html").getAttribute("data-theme")).toBe("light");
    await web.checkA11y(page, "home (light)");
    await web.screenshot(page, "home-light");
    await page.getByRole("button", { name: "Theme: Light" }).click();
  });

  it("has keyboard shortcuts, listed by ?", async () => {
    await page.goto("/");
    await page.getByRole("heading", { name: "Welcome to VobeMusic" }).waitFor();
    await page.locator("body").press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    await web.checkA11y(page, "shortcuts");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });
    await page.keyboard.press("/");
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('role')"))
      .toBe("combobox");
    await page.keyboard.press("Escape");
    await page.locator("main").focus();
    await page.keyboard.press("g");
    await page.keyboard.press("p");
    await page.getByRole("heading", { name: "Posts", level: 1 }).waitFor();
  });

  it("answers an unknown page with the app's own not-found page", async () => {
    await page.goto("/no/such/page");
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    const missing = await page.request.get("/api/no-such-route");
    expect(missing.status()).toBe(404);
    expect((await missing.json()).error.code).toBe("route_not_found");
  });
});
