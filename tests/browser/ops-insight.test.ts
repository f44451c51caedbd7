/**
 * Journey: what an operator learns from the console without changing anything. The lag of
 * every consumer over time as charts (with a table for screen readers), the registry's
 * subjects with a diff between two versions of one, and each streams application's
 * topology drawn as a graph and written out as text.
 *
 * The diff needs a subject with two versions: the journey registers a compatible second
 * version (one defaulted field more) of a subject of its own, so the platform's subjects
 * are left as they were.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { registryApi } from "../../platform/registry/confluent-api.ts";
import { demoAdmin, logIn, openWeb, unique, type Web } from "./support/browser.ts";

let web: Web;
let page: Page;
const subject = `${unique("journey")}-vobe.journey.ConsoleDiff`;
const record = (fields: object[]) =>
  JSON.stringify({ type: "record", name: "ConsoleDiff", namespace: "vobe.journey", fields });

beforeAll(async () => {
  const registry = registryApi(endpointsFromEnv().schemaRegistryUrl);
  const first = [{ name: "id", type: "string" }];
  await registry.register(subject, record(first));
  await registry.register(
    subject,
    record([...first, { name: "note", type: ["null", "string"], default: null }]),
  );
  web = await openWeb();
  page = await web.page();
  await logIn(page, demoAdmin.username, demoAdmin.password);
}, 60_000);

afterAll(async () => web?.close());

const consoleLink = (name: string) =>
  page.getByRole("navigation", { name: "Operator console" }).getByRole("link", { name });

describe("operator console: lag over time, schemas, topologies", () => {
  it("charts every consumer's lag from the console's samples", async () => {
    await page.getByRole("link", { name: "Operations" }).click();
    await page.getByRole("heading", { name: "Lag over time" }).waitFor();
    const charts = page.getByTestId("lag-charts");
    // A chart needs two samples; the overview refreshes on its own (every 10 s).
    await charts.getByTestId("lag-chart-canvas").first().waitFor({ timeout: 45_000 });
    const rows = charts.locator("table").first().locator("tbody tr");
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await web.checkA11y(page, "ops lag charts");
  });

  it("diffs two versions of a subject", async () => {
    await consoleLink("Schemas").click();
    await page.getByRole("heading", { name: "Schemas", level: 1 }).waitFor();
    // Domain subjects are shown first; the journey's own subject is of no catalog topic.
    await page.getByRole("combobox", { name: /^Kind/ }).selectOption("all");
    await page.getByLabel("Filter subjects").fill(subject);
    const subjects = page.getByTestId("subjects");
    await expect.poll(() => subjects.locator("tbody tr").count(), { timeout: 15_000 }).toBe(1);
    await subjects.getByRole("button", { name: `Compare versions of ${subject}` }).click();
    const diff = page.getByTestId("schema-diff");
    await diff.getByRole("heading", { name: `Versions of ${subject}` }).waitFor();
    await expect
      .poll(() => diff.getByTestId("diff-summary").textContent())
      .toMatch(/[1-9]\d* lines? added, 0 removed/);
    await diff.getByText("Fields added: note").waitFor();
    expect(await diff.getByTestId("diff-lines").textContent()).toContain('"note"');
    await web.checkA11y(page, "ops schemas");
    await web.screenshot(page, "ops-schemas");
  });

  it("draws each streams application's topology, and writes it out", async () => {
    await consoleLink("Topologies").click();
    await page.getByRole("heading", { name: "Topologies", level: 1 }).waitFor();
    await page.getByLabel("Application").selectOption("plays-per-track");
    const graph = page.getByTestId("topology-graph");
    await graph.locator("svg").waitFor();
    expect(await graph.locator("svg").getAttribute("aria-label")).toContain("vobe-plays-per-track");
    const text = page.getByTestId("topology-text");
    await text
      .getByText(/^Source .* reads .*listening\.plays/)
      .first()
      .waitFor();
    await text
      .getByText(/changelog .*vobe-plays-per-track-.*-changelog/)
      .first()
      .waitFor();
    await web.checkA11y(page, "ops topologies");
    await web.screenshot(page, "ops-topologies");
  });
});
