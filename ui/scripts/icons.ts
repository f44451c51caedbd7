/**
 * The web app's PNG icons (the manifest's 192 and 512 px, a maskable 512 px, Apple's 180 px),
 * drawn from ui/public/favicon.svg by the Chromium the browser tests use: no image tool to
 * install. The maskable one keeps the note inside the safe zone (the inner 80 %) on a full
 * background, so a launcher may crop it to any shape.
 *
 *   npx tsx ui/scripts/icons.ts     // rewrites ui/public/icons/*.png
 */
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const publicDir = fileURLToPath(new URL("../public/", import.meta.url));
const svg = readFileSync(`${publicDir}favicon.svg`, "utf8");
const maskable = svg
  .replace(/rx="7"/, "")
  .replace(/<path /, '<path transform="translate(6.4 6.4) scale(0.6)" ');

const icons: Array<{ name: string; size: number; source: string }> = [
  { name: "icon-192.png", size: 192, source: svg },
  { name: "icon-512.png", size: 512, source: svg },
  { name: "maskable-512.png", size: 512, source: maskable },
  { name: "apple-touch-icon.png", size: 180, source: svg },
];

mkdirSync(`${publicDir}icons`, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.VOBE_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
try {
  for (const { name, size, source } of icons) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${source}`,
    );
    await page.screenshot({ path: `${publicDir}icons/${name}`, omitBackground: true });
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(`wrote ${icons.length} icons to ${publicDir}icons`);
