/**
 * Journey: the AI guide. A new listener asks the platform's guide about a track of the demo
 * catalog; the reply is written into the page as it streams, then stands as the record with
 * the tracks it names linked to their pages and a play button that queues the track with the
 * guide as its source; the conversation is listed and opens again from its link. Then, from
 * another page, the panel every page has shows the same conversation and answers a second
 * question, by keyboard. The answer comes from whatever model the platform's guide is
 * configured with: on a machine with no OpenAI endpoint that is the embedded SmolLM2-135M
 * (`./vobe start`, guide/local-model/), or the offline demo model if it could not load, and
 * the page says which. Screenshot: docs/screenshots/guide.png.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDemoSeed, generateDemoCatalog } from "../../connect/demo/index.ts";
import { openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;

// The demo catalog's first track has audio (`./vobe start` gives the first album audio).
// Its title is not unique in the catalog: the question names its artist too.
const catalog = generateDemoCatalog({ size: "full", seed: defaultDemoSeed });
const first = catalog.tracks[0];
const artist = catalog.artists.find((a) => a.artistId === first?.artistId);
if (!first || !artist) throw new Error("the demo catalog has no tracks");

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
});
afterAll(async () => web?.close());

describe("the guide", () => {
  it("answers a question about the catalog, streamed, with linked and playable tracks", async () => {
    const username = unique("gd");
    await page.goto("/guide");
    await page.getByRole("link", { name: "Log in to talk to the guide." }).waitFor();
    await page.goto("/signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("E-mail").fill(`${username}@example.com`);
    await page.getByLabel("Password").fill("guide-password-1");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByTestId("signed-in").waitFor();

    // From the header, by keyboard-reachable link.
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Guide" })
      .click();
    await page.getByRole("heading", { name: "Guide", level: 1 }).waitFor();
    await page.getByText("No conversations yet.").waitFor();
    await web.checkA11y(page, "guide (empty)");

    // The streaming text is recorded as it changes: more than one length before the end
    // means it arrived in pieces, not as one block at the end.
    await page.evaluate(`(() => {
      window.__lengths = [];
      new MutationObserver(() => {
        const el = document.querySelector("[data-testid=guide-streaming]");
        if (el) window.__lengths.push(el.textContent.length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    const box = page.getByLabel("Your question");
    await box.fill(`Do you have ${first.title} by ${artist.name}?`);
    await box.press("Enter");
    await page.getByTestId("guide-question").filter({ hasText: first.title }).waitFor();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/guide\/[0-9a-f-]{36}$/);

    // A small language model on a busy CPU: tens of seconds (ADR-033).
    const reply = page.getByTestId("guide-reply").last();
    await reply.waitFor({ timeout: 150_000 });
    // The prose may name it and the list under it does: the first link.
    const link = reply.locator(`a[href="/tracks/${first.trackId}"]`).first();
    await link.waitFor();
    expect((await link.textContent())?.trim()).toBe(first.title);
    expect(await page.getByTestId("guide-pending").count()).toBe(0);
    const lengths = (await page.evaluate("window.__lengths")) as number[];
    expect(lengths.length, "the reply shows while it streams").toBeGreaterThan(0);
    expect(new Set(lengths).size, "it grows in pieces").toBeGreaterThan(1);
    const model = (await reply.getByTestId("guide-model").textContent()) ?? "";
    expect(model).toMatch(/^Answered by \S/);
    if (model.includes("offline demo model")) {
      expect(model).toContain("not an AI");
      await page.getByTestId("guide-offline-note").waitFor();
    } else if (model.includes("SmolLM2-135M")) {
      expect(model).toContain("small language model");
      await page.getByTestId("guide-local-note").waitFor();
    }
    await web.checkA11y(page, "guide (answered)");
    await web.screenshot(page, "guide");

    // Play: the track goes into the queue, from the guide.
    await reply
      .getByRole("button", { name: `Play ${first.title}` })
      .first()
      .click();
    const bar = page.getByRole("region", { name: "Player" });
    await bar.waitFor();
    await expect.poll(() => page.getByTestId("player-title").textContent()).toContain(first.title);
    await bar.getByTestId("queue-toggle").click();
    await expect
      .poll(() => page.getByTestId("queue-source").first().textContent())
      .toContain("from the guide");
    await bar.getByTestId("queue-toggle").click();

    // The conversation is listed, and its link opens it again with its history.
    const conversationUrl = new URL(page.url()).pathname;
    await link.click();
    await page.getByRole("heading", { name: first.title, level: 1 }).waitFor();
    await page.goBack();
    const listed = page.getByTestId("guide-conversations").locator(`a[href="${conversationUrl}"]`);
    await listed.waitFor();
    // The list counts the question and its reply.
    await page
      .getByTestId("guide-conversations")
      .locator("li", { has: page.locator(`a[href="${conversationUrl}"]`), hasText: "2 messages" })
      .waitFor({ timeout: 10_000 });
    await page.getByTestId("guide-new").click();
    await page.getByText("Ask a first question").waitFor();
    await listed.click();
    await page
      .getByTestId("guide-reply")
      .locator(`a[href="/tracks/${first.trackId}"]`)
      .first()
      .waitFor();
    expect(await page.getByTestId("guide-question").count()).toBe(1);
  }, 300_000);

  it("opens from another page as a panel with the same conversation, and answers there", async () => {
    const conversationUrl = new URL(page.url()).pathname;
    // Within the app (no reload): the conversation open last is the panel's.
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Artists" })
      .click();
    await page.getByRole("heading", { name: "Artists", level: 1 }).waitFor();
    const toggle = page.getByRole("button", { name: "Ask the guide" });
    await toggle.focus();
    await page.keyboard.press("Enter");
    const panel = page.getByRole("dialog", { name: "Guide" });
    await panel.waitFor();
    expect(await toggle.count()).toBe(0); // it now says "Close the guide"
    expect(await page.getByTestId("guide-panel-toggle").getAttribute("aria-expanded")).toBe("true");
    // Focus is in the panel's question box, ready to type.
    await expect
      .poll(() =>
        page.evaluate(
          "document.activeElement?.closest('[data-testid=guide-panel]') ? document.activeElement.tagName : ''",
        ),
      )
      .toBe("TEXTAREA");
    await panel
      .getByTestId("guide-reply")
      .locator(`a[href="/tracks/${first.trackId}"]`)
      .first()
      .waitFor();
    await panel.getByTestId("guide-panel-page").waitFor();
    expect(await panel.getByTestId("guide-panel-page").getAttribute("href")).toBe(conversationUrl);

    await page.keyboard.type(`What else is there by ${artist.name}?`);
    await page.keyboard.press("Enter");
    await expect.poll(() => panel.getByTestId("guide-question").count()).toBe(2);
    const second = panel.getByTestId("guide-reply").nth(1);
    await second.waitFor({ timeout: 150_000 });
    await second.locator('a[href^="/tracks/"]').first().waitFor();
    await second
      .getByRole("button", { name: /^Play / })
      .first()
      .waitFor();
    await web.checkA11y(page, "guide panel (answered)");

    // Escape closes it and gives the focus back to its button.
    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "detached" });
    await expect
      .poll(() => page.evaluate("document.activeElement?.dataset?.testid"))
      .toBe("guide-panel-toggle");
    // The chat page has the conversation itself: no panel button there.
    await page.goto(conversationUrl);
    await page.getByTestId("guide-reply").nth(1).waitFor();
    expect(await page.getByTestId("guide-panel-toggle").count()).toBe(0);
  }, 300_000);
});
