/**
 * Journey 3, search as you type: suggestions appear while typing, grouped by kind; the arrow
 * keys move through them and Enter opens one; Enter on the text opens the full results,
 * grouped by tracks, artists, albums and posts, with the API's highlights marked.
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

/** A word of a demo track's title that the suggester knows. */
async function aKnownWord(): Promise<string> {
  const res = await fetch(`${webUrl}/api/search/suggest?q=a&limit=5`);
  const { suggestions } = (await res.json()) as { suggestions: { text: string }[] };
  const word = suggestions[0]?.text.split(/\s+/).find((w) => w.length >= 4);
  if (!word) throw new Error("the demo catalog has no suggestions for 'a'");
  return word;
}

describe("search", () => {
  it("suggests while typing, and the keyboard opens a suggestion", async () => {
    const word = await aKnownWord();
    await page.goto("/");
    const box = page.getByRole("combobox", { name: "Search" });
    await box.focus();
    await page.keyboard.type(word.slice(0, 3), { delay: 40 });
    const list = page.getByRole("listbox", { name: "Suggestions" });
    // "All results" is there at once; the suggestions come after the debounce, in groups.
    await list.getByRole("group").first().getByRole("option").first().waitFor();
    await web.checkA11y(page, "search suggestions");
    await web.screenshot(page, "search-suggestions");

    await page.keyboard.press("ArrowDown");
    const activeId = await box.getAttribute("aria-activedescendant");
    expect(activeId).toBeTruthy();
    const chosen = page.locator(`[id="${activeId}"]`);
    expect(await chosen.getAttribute("aria-selected")).toBe("true");
    const text = (await chosen.textContent())?.trim() ?? "";
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: text, level: 1 }).waitFor();
    expect(await list.isVisible()).toBe(false);
  });

  it("Enter on the text shows results grouped by kind, with highlights", async () => {
    const word = await aKnownWord();
    const box = page.getByRole("combobox", { name: "Search" });
    await box.fill("");
    await box.focus();
    await page.keyboard.type(word, { delay: 20 });
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `Results for “${word}”`, level: 1 }).waitFor();
    await page.locator("section.group h2").first().waitFor();
    const groups = await page.locator("section.group h2").allTextContents();
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(g).toMatch(/^(Tracks|Artists|Albums|Posts)/);
    const marked = await page.locator("section.group mark").first().textContent();
    expect(marked?.toLowerCase()).toContain(word.toLowerCase());
    await web.checkA11y(page, "search results");
    await web.screenshot(page, "search");
  });

  it("says when nothing is found", async () => {
    await page.goto("/search?q=zzqxjvw");
    await page.getByText("Nothing found for “zzqxjvw”.").waitFor();
  });
});
