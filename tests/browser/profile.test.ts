/**
 * Journey 1, account (continued): edit one's profile (the header shows the new name at once,
 * and after a reload), then erase the account after typing one's username: logged out, and
 * the account can no longer sign in.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;
const username = unique("pf");
const password = "profile-password-1";

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
  await page.goto("/signup");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("E-mail").fill(`${username}@example.com`);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByTestId("signed-in").waitFor();
});
afterAll(async () => web?.close());

describe("profile", () => {
  it("edits the display name and bio", async () => {
    await page.getByTestId("signed-in").click();
    await page.getByRole("heading", { name: "My account", level: 1 }).waitFor();
    await web.checkA11y(page, "account");
    await page.getByLabel("Display name").fill("Night Listener");
    await page.getByLabel("About me").fill("Mostly ambient, after midnight.");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    expect(await page.getByTestId("signed-in").textContent()).toBe("Signed in as Night Listener");
    await page.reload();
    await page.getByLabel("About me").waitFor();
    await expect
      .poll(() => page.getByLabel("About me").inputValue())
      .toBe("Mostly ambient, after midnight.");
    expect(await page.getByLabel("Display name").inputValue()).toBe("Night Listener");
    await web.screenshot(page, "account");
  });

  it("erases the account only after the username is typed", async () => {
    const erase = page.getByRole("button", { name: "Erase my account" });
    expect(await erase.isDisabled()).toBe(true);
    await page.getByLabel(`Type your username (${username}) to confirm`).fill(username);
    await erase.click();
    await page.getByText("Your account was erased.").waitFor();
    expect(await page.getByTestId("signed-in").count()).toBe(0);

    await page.goto("/login");
    await page.getByLabel("Username or e-mail").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByTestId("signed-in").count()).toBe(0);
  });
});
