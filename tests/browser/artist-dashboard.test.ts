/**
 * Journey 7, the artist dashboard: a new artist account creates its artist, an album and a
 * track (the track by keyboard alone), uploads audio that ffmpeg makes here (the progress bar
 * reaches 100%, the track then has the probed length), is told plainly when a file is not
 * audio (in the browser, and by the platform for a file that only claims to be), posts as the
 * artist, and sees plays recorded through the API (as the player records them) in the
 * per-track table and the all-time chart's table, with the trending column. The same page
 * in Russian on a phone is checked for width and accessibility.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openWeb, unique, type Web, webUrl } from "./support/browser.ts";

let web: Web;
let page: Page;
let dir: string;
const username = unique("artist");
const artistName = `Night Bus ${username.slice(-6)}`;
const trackTitle = "Orbit";
let trackId = "";

/** A 3 s tone as Ogg Vorbis, made by Debian's ffmpeg (installed by the project's set-up). */
function tone(file: string): string {
  execFileSync(
    "ffmpeg",
    ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=523:duration=3"].concat([
      "-c:a",
      "libvorbis",
      "-q:a",
      "1",
      file,
    ]),
    { timeout: 30_000 },
  );
  return file;
}

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
  dir = mkdtempSync(join(tmpdir(), "vobe-dashboard-"));
});
afterAll(async () => {
  await web?.close();
  rmSync(dir, { recursive: true, force: true });
});

const token = () =>
  page.evaluate("JSON.parse(localStorage.getItem('vobe.session')).token") as Promise<string>;

describe("artist dashboard", () => {
  it("an artist account creates its artist profile", async () => {
    await page.goto("/signup");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Display name").fill(`Web ${username}`);
    await page.getByLabel("E-mail").fill(`${username}@example.com`);
    await page.getByLabel("Password").fill("a-long-enough-password");
    await page.getByLabel("an artist").check();
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByTestId("signed-in").waitFor();

    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByText("You have no artist profile yet. Create one below.").waitFor();
    await page.getByLabel("Artist name").fill(artistName);
    await page.getByLabel("Genres (comma-separated, optional)").fill("ambient, synth");
    await page.getByRole("button", { name: "Create" }).click();
    // Read after the 202's position: the new artist's page, at once.
    await page.getByRole("heading", { level: 1, name: artistName }).waitFor();
    await page.getByText("No albums yet. Create one below.").waitFor();
  });

  it("adds an album, then a track with the keyboard alone", async () => {
    await page.getByLabel("Album title").fill("Late Lines");
    await page.getByLabel("Genre", { exact: true }).fill("ambient");
    await page.getByRole("button", { name: "Create" }).first().click();
    await page.getByRole("heading", { level: 3, name: "Late Lines" }).waitFor();

    await page.getByLabel("Track title").focus();
    await page.keyboard.type(trackTitle);
    await page.keyboard.press("Tab"); // the length, 3:00 by default
    await page.keyboard.press("Enter"); // submits the form
    const track = page.getByTestId(`track-${trackTitle}`);
    await track.getByText("no audio yet").waitFor();
    await web.checkA11y(page, "artist dashboard");
  });

  it("refuses a file that is not audio, in the browser and on the platform", async () => {
    const upload = page.getByLabel(`Audio file for “${trackTitle}”`);
    const track = page.getByTestId(`track-${trackTitle}`);
    const notes = join(dir, "notes.txt");
    writeFileSync(notes, "not music");
    await upload.setInputFiles(notes);
    await track.getByRole("button", { name: "Upload" }).click();
    await track.getByRole("alert").getByText("This file is not Ogg, MP3 or WAV audio.").waitFor();

    // Named .ogg, the browser's checks pass it on: the platform reads the bytes and says no.
    const fake = join(dir, "fake.ogg");
    writeFileSync(fake, "just text, pretending to be audio");
    await upload.setInputFiles(fake);
    await track.getByRole("button", { name: "Upload" }).click();
    await track
      .getByRole("alert")
      .getByText("The platform found no Ogg, MP3 or WAV audio in this file.")
      .waitFor();
    await track.getByText("no audio yet").waitFor();
  });

  it("uploads real audio with a progress bar that reaches 100%", async () => {
    const track = page.getByTestId(`track-${trackTitle}`);
    await page
      .getByLabel(`Audio file for “${trackTitle}”`)
      .setInputFiles(tone(join(dir, "orbit.ogg")));
    await track.getByRole("button", { name: "Upload" }).click();
    const bar = track.getByRole("progressbar", { name: `Upload of “${trackTitle}”` });
    await expect.poll(() => bar.getAttribute("value")).toBe("100");
    expect(await bar.getAttribute("aria-valuetext")).toBe("100% sent");
    await track
      .getByRole("status")
      .getByText(/^Audio uploaded: 0:03, \d+ KB\.$/)
      .waitFor();
    // Read after the upload's position: the track has the probed length now.
    await track.getByText("audio 0:03").waitFor();
    const artistId = new URL(page.url()).pathname.split("/").pop();
    const read = async <T>(path: string) => (await (await fetch(`${webUrl}${path}`)).json()) as T;
    const artist = await read<{ albums: { albumId: string }[] }>(`/api/artist/artists/${artistId}`);
    const album = await read<{ tracks: { trackId: string }[] }>(
      `/api/artist/albums/${artist.albums[0]?.albumId}`,
    );
    trackId = album.tracks[0]?.trackId ?? "";
    expect(trackId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("posts as the artist", async () => {
    await page.getByRole("heading", { name: `Post as ${artistName}` }).waitFor();
    await page.getByLabel("Title", { exact: true }).fill("Orbit is out");
    await page.getByLabel("Text", { exact: true }).fill("Three seconds of pure sine. Enjoy.");
    await page.getByRole("button", { name: "Publish" }).click();
    const link = page.getByRole("status").getByRole("link", { name: "Orbit is out" });
    await link.waitFor();
    await link.click();
    await page.getByRole("heading", { level: 1, name: "Orbit is out" }).waitFor();
    await page.goBack();
  });

  it("sees the plays, all time per track and per hour, and the trending position", async () => {
    const stats = page.getByTestId("track-stats");
    const row = stats.getByRole("row", { name: new RegExp(`^${trackTitle}`) });
    await row.waitFor();
    expect(await row.textContent()).toContain("not trending");

    // Three plays, recorded as the player records them (half the track heard or more).
    const res = await fetch(`${webUrl}/api/listening/plays`, {
      method: "POST",
      headers: { authorization: `Bearer ${await token()}`, "content-type": "application/json" },
      body: JSON.stringify({
        plays: [3_000, 2_000, 1_500].map((listenedMs) => ({
          trackId,
          listenedMs,
          trackDurationMs: 3_000,
        })),
      }),
    });
    expect(res.status).toBe(202);
    // The count arrives live when the processors have counted; Refresh reads it again too.
    await expect
      .poll(
        async () => {
          const text = (await row.locator("td").first().textContent()) ?? "";
          if (text.trim() !== "3") await page.getByRole("button", { name: "Refresh" }).click();
          return text.trim();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe("3");
    // The chart's table for screen readers has the same numbers as the bars.
    const bars = page.getByTestId("chart-table-bars");
    expect(await bars.getByRole("row", { name: trackTitle }).locator("td").textContent()).toBe("3");
    expect(
      await page.getByTestId("chart-canvas").first().locator("canvas").count(),
    ).toBeGreaterThan(0);
    // An hour is counted 5 minutes after it ends: a track played this hour has none yet.
    await page.getByText("No hour with plays has been counted yet").waitFor();
    await page
      .getByText(/^(Trending is of the hour that ended|No hour has been ranked yet)/)
      .waitFor();
    await web.checkA11y(page, "artist dashboard with plays");
    await web.screenshot(page, "artist-dashboard");
  });

  it("fits a phone, in Russian", async () => {
    // The same session (localStorage) in a phone-sized Russian browser.
    const phone = await web.page({
      viewport: { width: 390, height: 844 },
      locale: "ru-RU",
      storageState: await page.context().storageState(),
    });
    const address = page.url();
    await phone.goto(address);
    await phone.getByRole("heading", { name: "Прослушивания и тренды" }).waitFor();
    await phone.getByTestId("track-stats").getByText(trackTitle).waitFor();
    const overflow = await phone.evaluate(
      "document.documentElement.scrollWidth - document.documentElement.clientWidth",
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await web.checkA11y(phone, "artist dashboard on a phone, in Russian");
    await phone.context().close();
  });
});
