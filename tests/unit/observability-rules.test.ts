/**
 * The Prometheus rules are code: promtool checks them and runs their unit tests
 * (observability/prometheus/tests/), and the objectives they encode are the ones
 * observability/objectives.ts and the README state.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { routeObjectives, viewObjectives } from "../../observability/objectives.ts";
import { viewNames } from "../../sinks/views.ts";
import { stackConfig } from "../../stack/config.ts";
import { findPrometheus, rulesDir } from "../../stack/services/prometheus.ts";

const run = promisify(execFile);
const root = stackConfig.projectRoot;
const testsDir = resolve(root, "observability", "prometheus", "tests");
const ruleFiles = readdirSync(rulesDir)
  .filter((f) => f.endsWith(".yml"))
  .map((f) => join(rulesDir, f));

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}
const rules: Rule[] = ruleFiles.flatMap((f) =>
  (parse(readFileSync(f, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  ),
);

let promtool = "";
beforeAll(async () => {
  promtool = (await findPrometheus()).promtool;
}, 300_000);

describe("the Prometheus rules", () => {
  it("pass promtool check rules (syntax, lint)", async () => {
    const { stdout } = await run(promtool, ["check", "rules", ...ruleFiles]);
    expect(stdout).not.toMatch(/FAILED/);
  }, 30_000);

  it("pass their unit tests with series (promtool test rules)", async () => {
    const tests = readdirSync(testsDir).filter((f) => f.endsWith(".yml"));
    expect(tests.length).toBeGreaterThan(0);
    const { stdout } = await run(promtool, [
      "test",
      "rules",
      ...tests.map((f) => join(testsDir, f)),
    ]);
    expect(stdout).toContain("SUCCESS");
  }, 60_000);

  it("state every view's objective as the objectives module and the README do", () => {
    const stated = rules
      .filter((r) => r.record === "vobe:view_objective_seconds")
      .map((r) => ({
        view: r.labels?.view,
        seconds: Number(/vector\(([\d.]+)\)/.exec(r.expr)?.[1]),
      }));
    expect(stated.sort((a, b) => String(a.view).localeCompare(String(b.view)))).toEqual(
      viewObjectives
        .map((o) => ({ view: o.view, seconds: o.seconds }))
        .sort((a, b) => a.view.localeCompare(b.view)),
    );
    // Every view the sinks serve has one.
    expect([...viewNames].sort()).toEqual(viewObjectives.map((o) => o.view).sort());
    // The ratio rule reads each view's own bucket.
    const ratio = rules.find((r) => r.record === "vobe:view_apply_within_objective:ratio_rate5m");
    for (const o of viewObjectives) {
      const group = new RegExp(`le="${o.seconds}", view=~"([^"]*)"`).exec(ratio?.expr ?? "");
      expect(group?.[1]?.split("|"), o.view).toContain(o.view);
    }
    const readme = readFileSync(resolve(root, "README.md"), "utf8");
    for (const o of viewObjectives) {
      expect(readme).toContain(`| ${o.view} | ${o.target * 100}% within ${o.seconds} s |`);
    }
    for (const o of routeObjectives) {
      expect(readme).toContain(`| ${o.name} | ${o.target * 100}% within ${o.seconds * 1000} ms |`);
    }
  });

  it("alert on each route class past its own objective", () => {
    const slow = rules.find((r) => r.alert === "ApiRouteSlow")?.expr ?? "";
    for (const o of routeObjectives) {
      expect(slow, o.name).toMatch(
        new RegExp(`route=~"${o.routes.replace(/[.*|/]/g, "\\$&")}"[^}]*\\} > ${o.seconds}\\b`),
      );
    }
  });
});
