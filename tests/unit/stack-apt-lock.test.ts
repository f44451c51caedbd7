import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureDebianPackages, isRoot } from "../../stack/host.ts";

// A stand-in apt-get on PATH (not Debian's): it holds "the lock" for its first two calls,
// the way a second first run on the same machine finds apt busy, and logs every call.
function fakeAptGet(): { dir: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "vobe-apt-"));
  const log = join(dir, "calls");
  writeFileSync(log, "");
  writeFileSync(
    join(dir, "apt-get"),
    `#!/bin/sh
echo "$*" >> "${log}"
if [ "$(wc -l < "${log}")" -le 2 ]; then
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 1 (apt-get)" >&2
  exit 100
fi
exit 0
`,
  );
  chmodSync(join(dir, "apt-get"), 0o755);
  return { dir, calls: () => readFileSync(log, "utf8").trim().split("\n") };
}

const path = process.env.PATH;
afterEach(() => {
  process.env.PATH = path;
});

describe("installing Debian packages while another apt-get runs", () => {
  it.runIf(isRoot)(
    "waits for the lock instead of failing the start",
    async () => {
      const apt = fakeAptGet();
      process.env.PATH = `${apt.dir}:${path}`;
      await ensureDebianPackages(["some-package"], "a test package");
      const calls = apt.calls();
      expect(calls).toHaveLength(4);
      expect(calls.slice(0, 3).every((c) => c.includes("update"))).toBe(true);
      expect(calls[3]).toContain("install -y -q --no-install-recommends some-package");
    },
    20_000,
  );
});
