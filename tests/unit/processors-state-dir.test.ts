import { join, resolve } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("the processors' default state directory", () => {
  const saved = process.env.VOBE_STACK_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.VOBE_STACK_HOME;
    else process.env.VOBE_STACK_HOME = saved;
    vi.resetModules();
  });

  const load = async () => (await import("../../processors/apps/app.ts")).defaultStateDir;

  it("is .stack/state of the checkout by default", async () => {
    delete process.env.VOBE_STACK_HOME;
    vi.resetModules();
    expect(await load()).toBe(join(root, ".stack", "state"));
  });

  it("follows the stack's home: two stacks of one checkout never share their stores", async () => {
    process.env.VOBE_STACK_HOME = "/tmp/some-other-stack";
    vi.resetModules();
    expect(await load()).toBe("/tmp/some-other-stack/state");
  });
});
