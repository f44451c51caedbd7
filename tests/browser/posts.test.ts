/**
 * Journey 6, posts and comments: the feed scrolls on keyset cursors without a click; a post
 * page comes from the gateway's composition; a new comment shows at once (the 202's position
 * passed as `after=`), with no reload, and the text a person wrote stays text (no HTML).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

describe("posts and comments", () => {
  it("the feed loads more posts as it scrolls", async () => {
    await page.goto("/posts");
    const posts = page.getByTestId("feed").locator("article");
    await posts.first().waitFor();
    expect(await posts.count()).toBe(20);
    await web.checkA11y(page, "feed");
    await web.screenshot(page, "feed");
    await page.getByTestId("feed").locator("article").last().scrollIntoViewIfNeeded();
    await page.mouse.wheel(0, 4000);
    await expect.poll(() => posts.count(), { timeout: 10_000 }).toBeGreaterThan(20);
    const ids = await posts
      .locator("h3 a")
      .evaluateAll((links) =>
        links.map((a) =>
          (a as unknown as { getAttribute(n: string): string }).getAttribute("href"),
        ),
      );
    expect(new Set(ids).size).toBe(ids.length); // keyset pages: no post twice
  });

  it("a comment appears at once, as text", async () => {
    const username = unique("cm");
    await page.goto("/signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("E-mail").fill(`${username}@example.com`);
    await page.getByLabel("Password").fill("comment-password-1");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByTestId("signed-in").waitFor();

    await page.goto("/posts");
    const first = page.getByTestId("feed").locator("article h3 a").first();
    const title = (await first.textContent())?.trim() ?? "";
    await first.click();
    await page.getByRole("heading", { name: title, level: 1 }).waitFor();
    await page.getByRole("heading", { name: "Comments" }).waitFor();
    await web.checkA11y(page, "post");

    const text = `<b>bold?</b><img src=x onerror="window.__injected=1"> ${unique("note")}`;
    await page.evaluate("window.__samePage = true");
    await page.getByLabel("Write a comment").fill(text);
    await page.getByRole("button", { name: "Comment" }).click();
    const mine = page.getByTestId("comments").locator("li", { hasText: text });
    await mine.waitFor({ timeout: 15_000 });
    expect(await mine.locator(".meta").textContent()).toContain("you");
    expect(await page.getByTestId("comments").locator("b, img").count()).toBe(0);
    expect(await page.evaluate("window.__injected")).toBeUndefined();
    expect(await page.evaluate("window.__samePage")).toBe(true); // no reload
    expect(await page.getByLabel("Write a comment").inputValue()).toBe("");
    await web.screenshot(page, "post");
  });

  it("a comment written elsewhere arrives live on an open post page", async () => {
    // A second tab of the same browser: the session is shared, the page is not.
    const other = await page.context().newPage();
    await other.goto(page.url());
    await other.getByRole("heading", { name: "Comments" }).waitFor();
    await other.getByTestId("comments").locator("li").first().waitFor();
    await other.evaluate("window.__samePage = true");

    const text = `live ${unique("note")}`;
    await page.getByLabel("Write a comment").fill(text);
    await page.getByRole("button", { name: "Comment" }).click();
    await other
      .getByTestId("comments")
      .locator("li", { hasText: text })
      .waitFor({ timeout: 20_000 });
    expect(await other.evaluate("window.__samePage")).toBe(true);
    expect(await other.getByTestId("comments").locator("li", { hasText: text }).count()).toBe(1);
    await other.close();
  });
});
