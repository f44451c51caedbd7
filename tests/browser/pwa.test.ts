/**
 * Installable as a PWA (issue 10): the manifest is valid for installation (Chromium's own
 * verdict through the DevTools protocol, Page.getInstallabilityErrors), its PNG icons exist
 * at the sizes it names, the app registers a service worker that controls the page, the
 * gateway never lets sw.js be cached, and the precached shell opens with the network off.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumArgs, chromiumPath, openWeb, type Web, webUrl } from "./support/browser.ts";

let web: Web;
let profile: string;
let context: BrowserContext;

beforeAll(async () => {
  web = await openWeb(); // fails loudly without Chromium or the platform
  // A profile on disk: Chromium refuses to install from an incognito context, which is what
  // a plain new context is ("in-incognito" would be its only installability error).
  profile = await mkdtemp(join(tmpdir(), "vobe-pwa-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: chromiumArgs,
    baseURL: webUrl,
  });
});
afterAll(async () => {
  await context?.close();
  await web?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

/** A PNG's width and height, from its IHDR chunk. */
const pngSize = (bytes: Buffer) => `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;

describe("installable web app", () => {
  it("serves a manifest with PNG icons of the sizes it names, and sw.js never cached", async () => {
    const res = await fetch(`${webUrl}/manifest.webmanifest`);
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as {
      start_url: string;
      display: string;
      icons: Array<{ src: string; sizes: string; type: string; purpose: string }>;
    };
    expect(manifest).toMatchObject({ start_url: "/", display: "standalone" });
    const pngs = manifest.icons.filter((i) => i.type === "image/png");
    expect(pngs.map((i) => i.sizes)).toEqual(expect.arrayContaining(["192x192", "512x512"]));
    expect(pngs.some((i) => i.purpose === "maskable")).toBe(true);
    for (const icon of pngs) {
      const image = await fetch(`${webUrl}${icon.src}`);
      expect(image.headers.get("content-type"), icon.src).toBe("image/png");
      expect(pngSize(Buffer.from(await image.arrayBuffer())), icon.src).toBe(icon.sizes);
    }
    for (const script of ["/sw.js", "/registerSW.js"]) {
      const sw = await fetch(`${webUrl}${script}`);
      expect(sw.status, script).toBe(200);
      expect(sw.headers.get("content-type"), script).toMatch(/javascript/);
      expect(sw.headers.get("cache-control"), script).toBe("no-cache");
    }
  });

  it("registers a service worker, Chromium finds it installable, and the shell opens offline", async () => {
    const page = await context.newPage();
    await page.goto("/");
    // Strings, not functions: the tests' TypeScript has no DOM types.
    const scope = await page.evaluate(
      "navigator.serviceWorker.ready.then((r) => ({ scope: r.scope, script: r.active?.scriptURL }))",
    );
    expect(scope).toEqual({ scope: `${webUrl}/`, script: `${webUrl}/sw.js` });

    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send("Page.getAppManifest")) as {
      url: string;
      errors: Array<{ message: string }>;
    };
    expect(manifest.url).toBe(`${webUrl}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    expect(installabilityErrors).toEqual([]);

    // The page is controlled once the worker has claimed it; then the network can go.
    await page.waitForFunction("navigator.serviceWorker.controller !== null");
    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole("link", { name: "VobeMusic" }).first().waitFor();
    } finally {
      await context.setOffline(false);
    }
  });
});
