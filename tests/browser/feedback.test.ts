/**
 * Journey 8, feedback: anyone sends feedback; an admin finds it on the triage page, triages
 * it (it leaves "New" at once: the list is read again after the 202's position) and resolves
 * it. A listener is told the page is for administrators.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoAdmin, logIn, openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;
const message = `The player could remember my volume (${unique("fb")})`;

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

/**
 * Shows more of the list until the item is there (the triage list is oldest first); reads the
 * list again while the item is still on its way into the view (another session wrote it).
 */
async function find(text: string) {
  const item = page.getByTestId("feedback-list").locator("li", { hasText: text });
  const end = page.getByText("That is everything.");
  const more = page.getByRole("button", { name: "Show more" });
  const deadline = Date.now() + 30_000;
  for (;;) {
    await end.or(item).or(more).first().waitFor();
    const all = page.getByTestId("feedback-list").locator("li");
    while ((await item.count()) === 0 && (await end.count()) === 0) {
      const before = await all.count();
      await more.click();
      await expect
        .poll(async () => (await all.count()) > before || (await end.count()) > 0)
        .toBe(true);
    }
    if ((await item.count()) > 0) return item;
    if (Date.now() > deadline) throw new Error(`feedback "${text}" is not in the list`);
    await page.reload();
  }
}

describe("feedback", () => {
  it("is sent from the feedback page", async () => {
    await page.goto("/");
    await page.getByRole("contentinfo").getByRole("link", { name: "Feedback" }).click();
    await page.getByRole("heading", { name: "Send feedback" }).waitFor();
    await page.getByLabel("Kind").selectOption("idea");
    await page.getByLabel("Message").fill(message);
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Thank you! Your feedback was received.").waitFor();
    await web.checkA11y(page, "feedback");
    await web.screenshot(page, "feedback");
  });

  it("is for administrators only", async () => {
    await page.goto("/admin/feedback");
    await page.getByText("This page is for administrators.").waitFor();
  });

  it("is triaged, then resolved, by an admin", async () => {
    await logIn(page, demoAdmin.username, demoAdmin.password);
    await page.getByRole("link", { name: "Triage" }).click();
    await page.getByRole("heading", { name: "Feedback triage" }).waitFor();
    let item = await find(message);
    await item.getByLabel("Priority").selectOption("high");
    await item.getByLabel("Note").fill("good idea");
    await item.getByRole("button", { name: "Triage" }).click();
    await page.getByText("Saved.").waitFor();
    await expect.poll(() => item.count()).toBe(0); // no longer new

    await page.getByLabel("Status").selectOption("triaged");
    item = await find(message);
    expect(await item.textContent()).toContain("Priority: High");
    await web.checkA11y(page, "feedback triage");
    await web.screenshot(page, "admin-feedback");
    await item.getByLabel("Resolution").selectOption("answered");
    await item.getByRole("button", { name: "Resolve" }).click();
    await expect.poll(() => item.count()).toBe(0);

    await page.getByLabel("Status").selectOption("resolved");
    item = await find(message);
    expect(await item.textContent()).toContain("Resolution: Answered");
  });
});
