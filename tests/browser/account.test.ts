/**
 * Journey 1, account: sign up, the session kept across a reload, log out, log in; a taken
 * username, a taken e-mail and a wrong password each told in words (in English and Russian).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn, openWeb, unique, type Web, webUrl } from "./support/browser.ts";

let web: Web;
let page: Page;
const username = unique("web");
const email = `${username}@example.com`;
const password = "listening-to-everything";

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

async function signUp(name: string, mail: string) {
  await page.goto("/signup");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Display name").fill(`Web ${name}`);
  await page.getByLabel("E-mail").fill(mail);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
}

describe("account", () => {
  it("signs up, and the session survives a reload", async () => {
    await page.goto("/signup");
    await web.checkA11y(page, "sign-up");
    await web.screenshot(page, "signup");
    await signUp(username, email);
    await expect
      .poll(() => page.getByTestId("signed-in").textContent())
      .toBe(`Signed in as Web ${username}`);
    await page.reload();
    await page.getByTestId("signed-in").waitFor();
  });

  it("logs out", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByText("You are logged out.").waitFor();
    expect(await page.getByTestId("signed-in").count()).toBe(0);
    await page.reload();
    expect(await page.getByTestId("signed-in").count()).toBe(0);
  });

  it("says when the username or the e-mail is taken", async () => {
    await signUp(username, `other_${email}`);
    await page.getByRole("alert").getByText("This username is taken.").waitFor();
    await signUp(`${username}x`, email);
    await page.getByRole("alert").getByText("This e-mail address is already registered.").waitFor();
    expect(await page.getByTestId("signed-in").count()).toBe(0);
  });

  it("says when the password is wrong, in the chosen language", async () => {
    await page.goto("/login");
    await web.checkA11y(page, "login");
    await page.getByLabel("Username or e-mail").fill(username);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").getByText("Wrong name or password.").waitFor();

    await page.getByLabel("Language").selectOption("ru");
    await page.getByRole("heading", { name: "Вход" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("ru");
    await page.getByRole("button", { name: "Войти" }).click();
    await page.getByRole("alert").getByText("Неверное имя или пароль.").waitFor();
    await page.getByLabel("Язык").selectOption("en");
  });

  it("logs in", async () => {
    await logIn(page, email, password);
    expect(await page.getByTestId("signed-in").textContent()).toBe(`Signed in as Web ${username}`);
  });

  it("sees a track's play count change live when someone plays it", async () => {
    const tracks = (await (
      await fetch(`${webUrl}/api/search?q=love&type=tracks&limit=1`)
    ).json()) as {
      items: { document: unknown }[];
    };
    const track = tracks.items[0]?.document as { trackId: string; durationMs: number };
    await page.goto(`/tracks/${track.trackId}`);
    const plays = page.getByTestId("plays");
    await plays.waitFor();
    const before = Number((await plays.textContent())?.replace(/\D/g, ""));
    await page.evaluate("window.__samePage = true");

    // Another listener's play, through the API (this person's token, another device).
    const token = await page.evaluate("JSON.parse(localStorage.getItem('vobe.session')).token");
    const res = await fetch(`${webUrl}/api/listening/plays`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        plays: [{ trackId: track.trackId, listenedMs: 60_000, trackDurationMs: track.durationMs }],
      }),
    });
    expect(res.status).toBe(202);
    await expect
      .poll(async () => Number((await plays.textContent())?.replace(/\D/g, "")), {
        timeout: 30_000,
      })
      .toBe(before + 1);
    expect(await page.evaluate("window.__samePage")).toBe(true);
  });
});
