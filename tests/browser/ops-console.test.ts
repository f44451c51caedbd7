/**
 * Journey: the operator console. A listener is told the console is not for them; an admin
 * sees every consumer's lag, browses a topic's records decoded, resolves a dead letter
 * with a reason, and finds that action, with the reason, in the audit trail; then rebuilds
 * the feedback view from the Views page, follows the command until the new version is live,
 * and swaps back to the version that was live before (the platform's view ends as it began,
 * one version more).
 *
 * The dead letter is made the way a view's sink makes one (sinks/engine/dlq.ts): a real
 * feedback record, sent through the API, copied to `feedback-dlq` with why and where from.
 * It is skipped, not replayed, so the platform's feedback view is left as it was.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointsFromEnv } from "../../platform/config/endpoints.ts";
import { createAdmin, createFetcher, createProducer } from "../../platform/kafka/index.ts";
import { dlqHeaders } from "../../sinks/engine/dlq.ts";
import { demoAdmin, logIn, openWeb, unique, type Web, webUrl } from "./support/browser.ts";

let web: Web;
let page: Page;
const marker = unique("ops");
const message = `The console journey wrote this (${marker})`;
const dlqTopic = "feedback-dlq";
let origin: { topic: string; partition: number; offset: string };
let letterId = "";

beforeAll(async () => {
  web = await openWeb();
  page = await web.page();
  const res = await fetch(`${webUrl}/api/feedback/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ category: "idea", message }),
  });
  expect(res.status).toBe(202);
  origin = (await res.json()) as typeof origin;

  const { kafkaBrokers: brokers } = endpointsFromEnv();
  const admin = createAdmin({ brokers, clientId: "vobe-tests-ops-console" });
  const fetcher = createFetcher({ brokers, clientId: "vobe-tests-ops-console" });
  const producer = createProducer({ brokers, clientId: "vobe-tests-ops-console" });
  try {
    const offset = BigInt(origin.offset);
    let record: Awaited<ReturnType<typeof fetcher.fetch>>[number]["records"][number] | undefined;
    for (let attempt = 0; !record && attempt < 50; attempt++) {
      const [part] = await fetcher.fetch([
        { topic: origin.topic, partition: origin.partition, offset },
      ]);
      record = part?.records.find((r) => r.offset === offset);
    }
    if (!record)
      throw new Error(`no record at ${origin.topic}:${origin.partition}:${origin.offset}`);
    if (!(await admin.listTopics()).includes(dlqTopic)) {
      await admin.createTopics([{ name: dlqTopic, partitions: 1 }]).catch(() => {});
    }
    const [letter] = await producer.send([
      {
        topic: dlqTopic,
        key: record.key,
        value: record.value,
        headers: {
          ...Object.fromEntries(record.headers),
          [dlqHeaders.error]: `journey ${marker}: the row was refused`,
          [dlqHeaders.kind]: "rejected",
          [dlqHeaders.view]: "feedback",
          [dlqHeaders.topic]: record.topic,
          [dlqHeaders.partition]: String(record.partition),
          [dlqHeaders.offset]: String(record.offset),
          [dlqHeaders.timestamp]: String(record.timestamp),
        },
      },
    ]);
    if (!letter) throw new Error("the dead letter was not written");
    letterId = `${letter.topic}:${letter.partition}:${letter.offset}`;
  } finally {
    await Promise.all([admin.close(), fetcher.close(), producer.close()]);
  }
}, 60_000);

afterAll(async () => web?.close());

describe("operator console", () => {
  it("is for operators and administrators only", async () => {
    await page.goto("/ops");
    await page.getByText("This console is for operators and administrators.").waitFor();
  });

  it("shows every consumer's lag", async () => {
    await logIn(page, demoAdmin.username, demoAdmin.password);
    await page.getByRole("link", { name: "Operations" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    const apps = page.getByTestId("lag-applications");
    await apps.locator("tbody tr").first().waitFor({ timeout: 30_000 });
    expect(await apps.locator("tbody tr").count()).toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId("lag-views").locator("tbody tr").count())
      .toBeGreaterThan(0);
    // Per partition, behind a disclosure: where the consumer is against each end.
    await apps.locator("summary").first().click();
    await apps.getByRole("columnheader", { name: "Topic:partition" }).first().waitFor();
    await web.checkA11y(page, "ops overview");
    await web.screenshot(page, "ops-overview");
  });

  it("browses a topic's records, decoded", async () => {
    await page
      .getByRole("navigation", { name: "Operator console" })
      .getByRole("link", { name: "Topics" })
      .click();
    await page.getByRole("button", { name: `Browse ${origin.topic}`, exact: true }).click();
    await page.getByRole("heading", { name: `Records of ${origin.topic}` }).waitFor();
    await page.getByLabel("Partition").selectOption(String(origin.partition));
    await page.getByLabel("From").selectOption("offset");
    await page.getByLabel("Offset").fill(origin.offset);
    await page.getByLabel("Records", { exact: true }).selectOption("10");
    await page.getByRole("button", { name: "Read", exact: true }).click();
    const records = page.getByTestId("records");
    const mine = records.locator("li", { hasText: message });
    await mine.waitFor();
    expect(await mine.textContent()).toContain(`${origin.partition}:${origin.offset}`);
    expect(await mine.textContent()).toContain("FeedbackSubmitted");
    await mine.getByText(/^Headers/).click();
    await mine.getByRole("rowheader", { name: "event-type", exact: true }).waitFor();
    await web.checkA11y(page, "ops topics");
    await web.screenshot(page, "ops-topics");
  });

  it("resolves a dead letter with a reason, and the audit trail shows it", async () => {
    await page
      .getByRole("navigation", { name: "Operator console" })
      .getByRole("link", { name: "Dead letters" })
      .click();
    await page.getByRole("heading", { name: "Dead letters", level: 1 }).waitFor();
    await page.getByRole("button", { name: `Show letter ${letterId}` }).click();
    const detail = page.locator("#letter-detail");
    await detail.getByText(message).waitFor();
    await web.checkA11y(page, "ops dead letter");
    await web.screenshot(page, "ops-dead-letter");
    const skip = detail.getByRole("button", { name: "Skip" });
    expect(await skip.isDisabled()).toBe(true); // no reason yet
    const reason = `seen in the journey ${marker}`;
    await detail.getByLabel("Reason (required, written to the audit trail)").fill(reason);
    await skip.click();
    await detail.getByText(`Skip letter ${letterId}? It will not be replayed.`).waitFor();
    await detail.getByRole("button", { name: "Skip" }).click();
    await detail.getByText("Skipped.").waitFor();
    // The letter is read again after the action: its status comes from the audit trail.
    await expect
      .poll(() => detail.getByTestId("letter-status").textContent(), { timeout: 15_000 })
      .toBe("skipped");

    await page
      .getByRole("navigation", { name: "Operator console" })
      .getByRole("link", { name: "Audit trail" })
      .click();
    const row = page.getByTestId("audit-trail").locator("tr", { hasText: letterId });
    await row.waitFor();
    expect(await row.textContent()).toContain(reason);
    expect(await row.textContent()).toContain("dlq.skip");
    expect(await row.textContent()).toContain("admin (web console, admin)");
    await web.checkA11y(page, "ops audit");
  });

  it("rebuilds a view and swaps between its versions, following each command", async () => {
    await page
      .getByRole("navigation", { name: "Operator console" })
      .getByRole("link", { name: "Views" })
      .click();
    await page.getByRole("heading", { name: "Views", level: 1 }).waitFor();
    const versions = page.getByTestId("view-versions");
    await versions.locator("tbody tr").first().waitFor({ timeout: 30_000 });
    const feedback = versions.locator("tbody tr", {
      has: page.getByRole("rowheader", { name: "feedback", exact: true }),
    });
    const liveBefore = await feedback
      .filter({ has: page.getByTestId("version-state").getByText("live", { exact: true }) })
      .locator("td")
      .first()
      .textContent();
    const countBefore = await feedback.count();

    const form = page.locator("section", {
      has: page.getByRole("heading", { name: "Rebuild, swap or roll back a view" }),
    });
    await form.getByLabel("View", { exact: true }).selectOption("feedback");
    const rebuild = form.getByRole("button", { name: "Rebuild", exact: true });
    expect(await rebuild.isDisabled()).toBe(true); // no reason yet
    await form
      .getByLabel("Reason (required, written to the audit trail)")
      .fill(`journey ${marker}: rebuild`);
    await rebuild.click();
    await form
      .getByText(
        "Build a new version of feedback from its topics and make it live once it has caught up?",
      )
      .waitFor();
    await web.checkA11y(page, "ops views, confirming");
    await form.getByRole("button", { name: "Rebuild", exact: true }).click();

    // The command is followed until the sinks process has run it.
    const commands = page.getByTestId("view-commands");
    const rebuilt = commands.locator("li", { hasText: "Rebuild of feedback" });
    await rebuilt.waitFor();
    await expect
      .poll(() => rebuilt.getAttribute("data-status"), { timeout: 180_000 })
      .toMatch(/done|refused|failed/);
    expect(await rebuilt.textContent()).toContain("done");
    const built = /v(\d+) is built and live/.exec((await rebuilt.textContent()) ?? "")?.[1];
    expect(built).toBeDefined();
    await expect.poll(() => feedback.count()).toBe(countBefore + 1);
    const newRow = versions.locator(`tr[data-version="feedback-v${built}"]`);
    await expect.poll(() => newRow.getByTestId("version-state").textContent()).toBe("live");
    expect(await newRow.locator("progress").getAttribute("value")).toBe("1");
    await web.checkA11y(page, "ops views");
    await web.screenshot(page, "ops-views");

    // Back to the version that was live before, by a swap: it is caught up, then live.
    await form.getByLabel("Version to make live").selectOption(String(liveBefore).slice(1));
    await form
      .getByLabel("Reason (required, written to the audit trail)")
      .fill(`journey ${marker}: swap back`);
    await form.getByRole("button", { name: "Swap", exact: true }).click();
    await form
      .getByText(`Catch feedback ${liveBefore} up to its topics and make it live?`, {
        exact: false,
      })
      .waitFor();
    await form.getByRole("button", { name: "Swap", exact: true }).click();
    const swapped = commands.locator("li", { hasText: `Swap of feedback to ${liveBefore}` });
    await swapped.waitFor();
    await expect
      .poll(() => swapped.getAttribute("data-status"), { timeout: 180_000 })
      .toMatch(/done|refused|failed/);
    expect(await swapped.textContent()).toContain(`${liveBefore} is live`);
    await expect
      .poll(() =>
        versions
          .locator(`tr[data-version="feedback-${liveBefore}"]`)
          .getByTestId("version-state")
          .textContent(),
      )
      .toBe("live");
    await web.checkA11y(page, "ops views, swapped");
  }, 300_000);
});
