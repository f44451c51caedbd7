/**
 * The browser tests' one Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and
 * the running platform it opens (`./vobe start`: the gateway serving the web app and the API).
 * Both are checked before a test runs; either missing fails loudly, saying how to get it.
 *
 *   const web = await openWeb();            // beforeAll
 *   const page = await web.page();          // a fresh context (no session), one page
 *   await web.checkA11y(page, "home");      // axe-core: no serious or critical violation
 *   await web.screenshot(page, "home");     // docs/screenshots/home.png
 *   await web.close();                      // afterAll
 */
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";

const require = createRequire(import.meta.url);
const projectRoot = fileURLToPath(new URL("../../..", import.meta.url));
export const screenshotDir = join(projectRoot, "docs", "screenshots");
export const webUrl = (
  process.env.VOBE_WEB_URL ?? `http://127.0.0.1:${process.env.VOBE_API_PORT ?? 8080}`
).replace(/\/$/, "");
export const chromiumPath = process.env.VOBE_CHROMIUM ?? "/usr/bin/chromium";

// Root needs --no-sandbox; the rest keep Chromium off the network this machine does not have
// (without them it tries Google's hosts at every start).
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function assertPlatform(): Promise<void> {
  const fail = (why: string) =>
    new Error(
      `the web app is not served at ${webUrl} (${why}): start the platform with ./vobe start, or set VOBE_WEB_URL`,
    );
  let res: Response;
  try {
    res = await fetch(`${webUrl}/`, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw fail(String(error));
  }
  const type = res.headers.get("content-type") ?? "";
  if (!res.ok || !type.includes("text/html")) throw fail(`GET / answered ${res.status} ${type}`);
}

export interface Web {
  browser: Browser;
  page(options?: BrowserContextOptions): Promise<Page>;
  checkA11y(page: Page, where: string): Promise<void>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openWeb(): Promise<Web> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is missing at ${chromiumPath}: install Debian's package (apt-get install -y chromium; ./vobe start does it as root) or set VOBE_CHROMIUM`,
    );
  }
  await assertPlatform();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const axeSource = (require("axe-core") as { source: string }).source;

  return {
    browser,
    async page(options = {}) {
      const context = await browser.newContext({
        baseURL: webUrl,
        locale: "en-US",
        viewport: { width: 1280, height: 860 },
        colorScheme: "dark",
        ...options,
      });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      return page;
    },
    async checkA11y(page, where) {
      // Through the DevTools protocol, not a <script>: the app's CSP (script-src 'self') stays on.
      await page.evaluate(axeSource);
      const result = (await page.evaluate(
        "axe.run(document, { resultTypes: ['violations'] })",
      )) as {
        violations: Array<{
          id: string;
          impact: string;
          help: string;
          nodes: { target: string[] }[];
        }>;
      };
      const bad = result.violations.filter(
        (v) => v.impact === "serious" || v.impact === "critical",
      );
      if (bad.length > 0) {
        const lines = bad.map(
          (v) =>
            `${v.impact} ${v.id}: ${v.help} (${v.nodes
              .map((n) => n.target.join(" "))
              .slice(0, 3)
              .join("; ")})`,
        );
        throw new Error(`accessibility violations on ${where}:\n${lines.join("\n")}`);
      }
    },
    async screenshot(page, name) {
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
    },
    async close() {
      await browser.close();
    },
  };
}

/** A name no other run has used (usernames: 3–32 of [A-Za-z0-9_.-]). */
export const unique = (prefix: string) =>
  `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

export const demoAdmin = { username: "admin", password: "vobe-demo-password" };

/** Logs in through the form (the app keeps the session in localStorage). */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Username or e-mail").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByTestId("signed-in").waitFor();
}
